import { describe, expect, it } from 'vitest';
import { DEFAULT_CLASS_NAMES } from './concepts.ts';
import { extractEntities } from './entities.ts';

// Monday 2026-11-30, 10:00 in São Paulo (13:00 UTC).
const context = {
  now: new Date('2026-11-30T13:00:00Z'),
  timeZone: 'America/Sao_Paulo',
  classNames: DEFAULT_CLASS_NAMES,
};
const at = (text: string) => extractEntities(text, context);

describe('dates and times, pt-BR and English (our layer over chrono-node)', () => {
  it.each([
    ['amanhã às 7h', '2026-12-01', '07:00'],
    ['amanha as 7h', '2026-12-01', '07:00'],
    ['sexta 18h30', '2026-12-04', '18:30'],
    ['sexta-feira às 18:30', '2026-12-04', '18:30'],
    ['quinta 9 da manhã', '2026-12-03', '09:00'],
    ['sábado 3 da tarde', '2026-12-05', '15:00'],
    ['hoje 8 da noite', '2026-11-30', '20:00'],
    ['depois de amanhã meio-dia', '2026-12-02', '12:00'],
    ['tomorrow at 6pm', '2026-12-01', '18:00'],
    ['next Tuesday at 7:30 am', '2026-12-01', '07:30'],
    ['on friday at 19:00', '2026-12-04', '19:00'],
    ['dia 15 às 19 horas', '2026-12-15', '19:00'],
    ['15/12 as 10h', '2026-12-15', '10:00'],
    ['December 5th at 7pm', '2026-12-05', '19:00'],
  ])('%s → %s %s', (text, date, time) => {
    const e = at(text);
    expect(e.date).toBe(date);
    expect(e.time).toBe(time);
    expect(e.timeAmbiguous).toBeUndefined();
  });

  it('marks a bare hour as ambiguous, to be settled against the timetable', () => {
    expect(at('me coloca no spinning das 7')).toMatchObject({
      time: '07:00',
      timeAmbiguous: true,
      classes: ['spinning'],
    });
    expect(at('amanha as 7')).toMatchObject({ date: '2026-12-01', time: '07:00', timeAmbiguous: true });
    expect(at('às 7 da noite').timeAmbiguous).toBeUndefined();
  });

  it('keeps a part of the day when no hour is given, and does not invent dates', () => {
    expect(at('hoje à noite')).toMatchObject({ date: '2026-11-30', dayPart: 'evening' });
    expect(at('amanhã de manhã')).toMatchObject({ date: '2026-12-01', dayPart: 'morning' });
    expect(at('treino de 3 dias pra iniciante').time).toBeUndefined();
    expect(at('9 da manhã').date).toBeUndefined();
  });
});

describe('the other entities', () => {
  it('reads classes with typos, exercises, body parts and injuries', () => {
    expect(at('quero o spining e a zumba').classes).toEqual(['spinning', 'zumba']);
    expect(at('agachamneto doendo o joelho')).toMatchObject({
      exercises: ['squat'],
      bodyParts: ['knee'],
      injuries: ['knee'],
    });
    expect(at('dor na lombar').bodyParts).toEqual(['lower_back']);
    expect(at('exercicio pra gluteo').injuries).toBeUndefined();
  });

  it('reads the workout plan slots in both languages', () => {
    expect(at('hipertrofia 4x por semana, intermediario, com halteres')).toMatchObject({
      goal: 'hypertrophy',
      daysPerWeek: 4,
      level: 'intermediate',
      equipment: 'dumbbells',
    });
    expect(at('lose weight, three days a week, beginner, no equipment')).toMatchObject({
      goal: 'fat_loss',
      daysPerWeek: 3,
      level: 'beginner',
      equipment: 'bodyweight',
    });
  });

  it('does not read everyday words as typos of class or exercise names', () => {
    expect(at('creatina funciona mesmo?').classes).toBeUndefined();
    expect(at('planos e precos').exercises).toBeUndefined();
  });
});
