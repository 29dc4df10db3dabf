import * as chrono from 'chrono-node';
import { offsetMs } from '../domain/time.ts';
import { BODY_PARTS, EQUIPMENT, EXERCISES, GOALS, LEVELS, type Lexicon, matchLexicon } from './lexicon.ts';
import { fold, nearWord, words } from './normalize.ts';

/** Part of the day a message names without an hour ("amanhã de manhã", "tonight"). */
export type DayPart = 'morning' | 'afternoon' | 'evening';

/** What the engine understood in a message; every field is optional. */
export interface Entities {
  /** Local date in the unit's zone, `YYYY-MM-DD`. */
  date?: string;
  /** Local wall time, `HH:MM`. */
  time?: string;
  /** A bare hour like "das 7": 07:00 or 19:00, settled against the timetable. */
  timeAmbiguous?: boolean;
  dayPart?: DayPart;
  /** Canonical class names from the unit's timetable (folded). */
  classes?: string[];
  exercises?: string[];
  bodyParts?: string[];
  /** Body parts named with pain or injury words ("dor no ombro", "bad knee"). */
  injuries?: string[];
  goal?: string;
  level?: string;
  equipment?: string;
  /** "3 vezes por semana", "5 days a week". */
  daysPerWeek?: number;
  numbers?: number[];
}

const WEEKDAYS: ReadonlyArray<readonly string[]> = [
  ['domingo', 'sunday', 'sun', 'dom'],
  ['segunda', 'monday', 'mon', 'seg', 'segunda feira'],
  ['terca', 'tuesday', 'tue', 'tues', 'ter'],
  ['quarta', 'wednesday', 'wed', 'qua'],
  ['quinta', 'thursday', 'thu', 'thurs', 'qui'],
  ['sexta', 'friday', 'fri', 'sex'],
  ['sabado', 'saturday', 'sat', 'sab'],
];

const NUMBER_WORDS: Record<string, number> = {
  um: 1,
  uma: 1,
  one: 1,
  dois: 2,
  duas: 2,
  two: 2,
  tres: 3,
  three: 3,
  quatro: 4,
  four: 4,
  cinco: 5,
  five: 5,
  seis: 6,
  six: 6,
  sete: 7,
  seven: 7,
  oito: 8,
  eight: 8,
  nove: 9,
  nine: 9,
  dez: 10,
  ten: 10,
  onze: 11,
  eleven: 11,
  doze: 12,
  twelve: 12,
};

/** The local wall clock of an instant in a zone, as a Date whose UTC fields are the wall fields. */
function wallClock(now: Date, timeZone: string): Date {
  return new Date(now.getTime() + offsetMs(now.getTime(), timeZone));
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function weekdayIn(tokens: readonly string[]): number | undefined {
  for (const token of tokens) {
    for (let day = 0; day < 7; day += 1) {
      const names = WEEKDAYS[day] ?? [];
      // Short forms must match exactly ("sex", "sat"); full names allow a typo ("sexts", "wendesday").
      if (names.some((name) => token === name || (name.length >= 5 && nearWord(token, name)))) return day;
    }
  }
  return undefined;
}

/** The date a message names, relative to `today` (local date; `weekday` 0 = Sunday). */
function dateOf(
  folded: string,
  tokens: readonly string[],
  today: string,
  weekday: number,
): string | undefined {
  if (/\b(depois de amanha|day after tomorrow)\b/.test(folded)) return addDays(today, 2);
  if (
    tokens.some(
      (t) =>
        t === 'amanha' ||
        t === 'amnha' ||
        t === 'amanh' ||
        t === 'amanhaa' ||
        t === 'tomorrow' ||
        t === 'tmrw' ||
        t === 'tomorow' ||
        t === 'tommorow',
    )
  )
    return addDays(today, 1);
  if (/\b(hoje|hj|today|tonight|agora|now)\b/.test(folded) || /\bhoje a noite\b/.test(folded)) return today;
  const day = weekdayIn(tokens);
  if (day !== undefined) {
    let ahead = (day - weekday + 7) % 7;
    const next = /\b(que vem|proxima semana|next week)\b/.test(folded);
    if (next && ahead === 0) ahead = 7;
    return addDays(today, ahead);
  }
  const dm = folded.match(/\b(\d{1,2})\/(\d{1,2})\b/);
  if (dm) {
    const year = Number(today.slice(0, 4));
    let candidate = `${year}-${pad(Number(dm[2]))}-${pad(Number(dm[1]))}`;
    if (candidate < today) candidate = `${year + 1}-${pad(Number(dm[2]))}-${pad(Number(dm[1]))}`;
    return Number.isNaN(Date.parse(candidate)) ? undefined : candidate;
  }
  const dia = folded.match(/\bdia (\d{1,2})\b/);
  if (dia) {
    const n = Number(dia[1]);
    if (n >= 1 && n <= 31) {
      let candidate = `${today.slice(0, 8)}${pad(n)}`;
      if (candidate < today) {
        const [y, m] = today.split('-').map(Number) as [number, number];
        candidate = m === 12 ? `${y + 1}-01-${pad(n)}` : `${y}-${pad(m + 1)}-${pad(n)}`;
      }
      return Number.isNaN(Date.parse(candidate)) ? undefined : candidate;
    }
  }
  return undefined;
}

function dayPartOf(folded: string): DayPart | undefined {
  if (/\b(de manha|da manha|pela manha|manha|morning|am)\b/.test(folded)) return 'morning';
  if (/\b(da tarde|de tarde|a tarde|tarde|afternoon)\b/.test(folded)) return 'afternoon';
  if (/\b(da noite|de noite|a noite|noite|evening|tonight|night|pm)\b/.test(folded)) return 'evening';
  return undefined;
}

/** The wall time a message names, pt-BR and English forms. */
function timeOf(folded: string): { time: string; ambiguous: boolean } | undefined {
  if (/\b(meio dia|meiodia|noon|midday)\b/.test(folded)) return { time: '12:00', ambiguous: false };
  if (/\b(meia noite|midnight)\b/.test(folded)) return { time: '00:00', ambiguous: false };
  const part = dayPartOf(folded);
  const shift = (hour: number): number =>
    (part === 'afternoon' || part === 'evening') && hour < 12 ? hour + 12 : hour;
  let m = folded.match(/\b(\d{1,2})(?::(\d{2}))? ?(am|pm)\b/);
  if (m) {
    let hour = Number(m[1]) % 12;
    if (m[3] === 'pm') hour += 12;
    return valid(hour, Number(m[2] ?? 0), false);
  }
  m = folded.match(/\b(\d{1,2})h(\d{2})?\b/) ?? folded.match(/\b(\d{1,2}) ?h ?(\d{2})\b/);
  if (m) {
    const hour = Number(m[1]);
    return valid(
      part ? shift(hour) : hour,
      Number(m[2] ?? 0),
      part === undefined && hour >= 1 && hour <= 11 && false,
    );
  }
  m = folded.match(/\b(\d{1,2}):(\d{2})\b/);
  if (m) {
    const hour = Number(m[1]);
    return valid(part ? shift(hour) : hour, Number(m[2]), false);
  }
  m = folded.match(/\b(\d{1,2}) ?(?:horas|hora|hrs|hr|o clock|oclock)\b/);
  if (m) {
    const hour = Number(m[1]);
    return valid(part ? shift(hour) : hour, 0, part === undefined && hour >= 1 && hour <= 11);
  }
  m = folded.match(
    /\b(?:as|a|das|da|pras|pra|para as|at|by|around|umas|lá pelas|pelas) (\d{1,2})(?: e (meia|\d{1,2}))?\b(?!\/)/,
  );
  if (m) {
    const hour = Number(m[1]);
    const minute = m[2] === 'meia' ? 30 : Number(m[2] ?? 0);
    return valid(part ? shift(hour) : hour, minute, part === undefined && hour >= 1 && hour <= 11);
  }
  m = folded.match(
    /\b(\d{1,2}) (?:da manha|de manha|da tarde|da noite|de noite|in the morning|in the evening|in the afternoon)\b/,
  );
  if (m) return valid(shift(Number(m[1])), 0, false);
  return undefined;
}

function valid(
  hour: number,
  minute: number,
  ambiguous: boolean,
): { time: string; ambiguous: boolean } | undefined {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  return { time: `${pad(hour)}:${pad(minute)}`, ambiguous };
}

const PAIN =
  /\b(dor|dores|doendo|doi|lesao|lesionado|machucado|machuquei|ruim|problema|operei|cirurgia|pain|hurts|hurt|injury|injured|bad|sore|tendinite|tendonitis|inchado|torci)\b/;

function daysPerWeekOf(folded: string): number | undefined {
  const m =
    folded.match(
      /\b(\d|um|uma|dois|duas|tres|quatro|cinco|seis|sete|one|two|three|four|five|six|seven) ?(?:x|vezes|dias|days|times|day)\b(?: (?:por|na|a|per) ?(?:semana|week))?/,
    ) ?? folded.match(/\b(\d)x\b/);
  if (!m) return undefined;
  const raw = m[1] ?? '';
  const n = /^\d$/.test(raw) ? Number(raw) : NUMBER_WORDS[raw];
  return n !== undefined && n >= 1 && n <= 7 ? n : undefined;
}

/** What to extract against: the unit's clock and its timetable's class names. */
export interface ExtractionContext {
  readonly now: Date;
  readonly timeZone: string;
  /** Canonical class name → spellings (folded); from the unit's class types. */
  readonly classNames: Lexicon;
}

/**
 * Entities of one message. Dates and times come from our own pt-BR/English layer first (chrono loses
 * the hour in "sexta 18h30", "amanhã 7h" and "9 da manhã"), then chrono-node for what ours does not
 * know ("December 5th", "in 3 days").
 */
export function extractEntities(text: string, context: ExtractionContext): Entities {
  const folded = fold(text);
  const tokens = words(folded);
  const wall = wallClock(context.now, context.timeZone);
  const today = wall.toISOString().slice(0, 10);
  const out: Entities = {};
  const date = dateOf(folded, tokens, today, wall.getUTCDay());
  if (date !== undefined) out.date = date;
  const time = timeOf(folded);
  if (time !== undefined) {
    out.time = time.time;
    if (time.ambiguous) out.timeAmbiguous = true;
  }
  if (out.date === undefined || out.time === undefined) {
    const parsed = [
      ...chrono.en.parse(text, { instant: wall, timezone: 0 }, { forwardDate: true }),
      ...chrono.pt.parse(text, { instant: wall, timezone: 0 }, { forwardDate: true }),
    ];
    for (const result of parsed) {
      // chrono reads "de 3" (dias) as 03:00, "6" (days) as the 6th and "now" as this minute: not what people mean here.
      if (
        /^(?:(?:de|a|o|em|the)\s+)?\d{1,2}$/.test(fold(result.text)) ||
        /^(now|agora)$/i.test(result.text.trim())
      )
        continue;
      const start = result.start;
      if (out.date === undefined && (start.isCertain('day') || start.isCertain('weekday'))) {
        out.date = `${start.get('year')}-${pad(start.get('month') ?? 1)}-${pad(start.get('day') ?? 1)}`;
      }
      if (out.time === undefined && start.isCertain('hour'))
        out.time = `${pad(start.get('hour') ?? 0)}:${pad(start.get('minute') ?? 0)}`;
    }
  }
  const part = dayPartOf(folded);
  if (part !== undefined && out.time === undefined) out.dayPart = part;
  const classes = [...new Set(matchLexicon(text, context.classNames).map((m) => m.value))];
  if (classes.length > 0) out.classes = classes;
  const exercises = [...new Set(matchLexicon(text, EXERCISES).map((m) => m.value))];
  if (exercises.length > 0) out.exercises = exercises;
  const body = matchLexicon(text, BODY_PARTS, false);
  // "dor nas costas": the body part after "costas" also matches back, but "lombar" is more precise.
  const bodyParts = [...new Set(body.map((m) => m.value))].filter(
    (v) => !(v === 'back' && body.some((b) => b.value === 'lower_back')),
  );
  if (bodyParts.length > 0) out.bodyParts = bodyParts;
  if (bodyParts.length > 0 && PAIN.test(folded)) out.injuries = bodyParts;
  const goal = matchLexicon(text, GOALS)[0]?.value;
  if (goal !== undefined) out.goal = goal;
  const level = matchLexicon(text, LEVELS)[0]?.value;
  if (level !== undefined) out.level = level;
  const equipment = matchLexicon(text, EQUIPMENT)[0]?.value;
  if (equipment !== undefined) out.equipment = equipment;
  const days = daysPerWeekOf(folded);
  if (days !== undefined) out.daysPerWeek = days;
  const numbers = [...folded.matchAll(/\b\d{1,4}\b/g)].map((m) => Number(m[0]));
  if (numbers.length > 0) out.numbers = numbers.slice(0, 10);
  return out;
}
