/** A personalised weekly workout plan from goal, level, days per week, equipment and injuries. */

export interface PlanRequest {
  readonly goal: 'hypertrophy' | 'fat_loss' | 'strength' | 'endurance' | 'health';
  readonly level: 'beginner' | 'intermediate' | 'advanced';
  readonly daysPerWeek: number;
  readonly equipment: 'full_gym' | 'dumbbells' | 'bodyweight';
  readonly injuries: readonly string[];
}

export interface PlanDay {
  readonly focus: { readonly pt: string; readonly en: string };
  readonly exercises: ReadonlyArray<{
    readonly pt: string;
    readonly en: string;
    readonly prescription: string;
  }>;
}

export interface WeeklyPlan {
  readonly request: PlanRequest;
  readonly days: readonly PlanDay[];
  readonly notes: { readonly pt: string[]; readonly en: string[] };
}

interface Move {
  readonly pt: string;
  readonly en: string;
  readonly equipment: ReadonlyArray<PlanRequest['equipment']>;
  /** Body parts it loads: skipped when one is injured. */
  readonly loads: readonly string[];
}

const ALL: ReadonlyArray<PlanRequest['equipment']> = ['full_gym', 'dumbbells', 'bodyweight'];
const GYM: ReadonlyArray<PlanRequest['equipment']> = ['full_gym'];
const DB: ReadonlyArray<PlanRequest['equipment']> = ['full_gym', 'dumbbells'];

const MOVES: Record<'legs' | 'push' | 'pull' | 'core' | 'cardio', readonly Move[]> = {
  legs: [
    { pt: 'Agachamento livre', en: 'Back squat', equipment: GYM, loads: ['knee', 'lower_back', 'legs'] },
    { pt: 'Agachamento goblet', en: 'Goblet squat', equipment: DB, loads: ['knee', 'legs'] },
    { pt: 'Agachamento com peso do corpo', en: 'Bodyweight squat', equipment: ALL, loads: ['knee', 'legs'] },
    { pt: 'Leg press', en: 'Leg press', equipment: GYM, loads: ['knee', 'legs'] },
    {
      pt: 'Levantamento terra romeno',
      en: 'Romanian deadlift',
      equipment: DB,
      loads: ['lower_back', 'back', 'legs'],
    },
    { pt: 'Elevação pélvica', en: 'Hip thrust / glute bridge', equipment: ALL, loads: ['glutes', 'hip'] },
    { pt: 'Afundo', en: 'Lunge', equipment: ALL, loads: ['knee', 'legs'] },
    { pt: 'Cadeira flexora', en: 'Leg curl', equipment: GYM, loads: ['legs'] },
  ],
  push: [
    { pt: 'Supino reto', en: 'Bench press', equipment: GYM, loads: ['chest', 'shoulder', 'elbow', 'wrist'] },
    {
      pt: 'Supino com halteres',
      en: 'Dumbbell bench press',
      equipment: DB,
      loads: ['chest', 'shoulder', 'elbow', 'wrist'],
    },
    { pt: 'Flexão de braço', en: 'Push-up', equipment: ALL, loads: ['chest', 'shoulder', 'wrist', 'elbow'] },
    {
      pt: 'Desenvolvimento com halteres',
      en: 'Dumbbell shoulder press',
      equipment: DB,
      loads: ['shoulder', 'elbow', 'neck'],
    },
    { pt: 'Tríceps na polia', en: 'Triceps pushdown', equipment: GYM, loads: ['elbow', 'arms'] },
    { pt: 'Mergulho no banco', en: 'Bench dip', equipment: ALL, loads: ['shoulder', 'elbow', 'wrist'] },
  ],
  pull: [
    { pt: 'Puxada na polia', en: 'Lat pulldown', equipment: GYM, loads: ['shoulder', 'elbow', 'back'] },
    {
      pt: 'Remada com halter',
      en: 'One-arm dumbbell row',
      equipment: DB,
      loads: ['back', 'elbow', 'lower_back'],
    },
    { pt: 'Remada baixa', en: 'Seated cable row', equipment: GYM, loads: ['back', 'elbow'] },
    { pt: 'Remada invertida', en: 'Inverted row', equipment: ALL, loads: ['back', 'elbow', 'shoulder'] },
    { pt: 'Rosca bíceps', en: 'Biceps curl', equipment: DB, loads: ['elbow', 'arms', 'wrist'] },
    {
      pt: 'Face pull / crucifixo inverso',
      en: 'Face pull / reverse fly',
      equipment: DB,
      loads: ['shoulder'],
    },
  ],
  core: [
    { pt: 'Prancha', en: 'Plank', equipment: ALL, loads: ['abs', 'shoulder', 'wrist'] },
    { pt: 'Dead bug', en: 'Dead bug', equipment: ALL, loads: ['abs'] },
    { pt: 'Prancha lateral', en: 'Side plank', equipment: ALL, loads: ['abs', 'shoulder'] },
    { pt: 'Bird dog', en: 'Bird dog', equipment: ALL, loads: ['abs', 'lower_back'] },
  ],
  cardio: [
    { pt: 'Bike ergométrica', en: 'Stationary bike', equipment: GYM, loads: ['knee'] },
    {
      pt: 'Caminhada inclinada na esteira',
      en: 'Incline treadmill walk',
      equipment: GYM,
      loads: ['ankle', 'knee'],
    },
    {
      pt: 'Polichinelos e corrida parada',
      en: 'Jumping jacks and high knees',
      equipment: ALL,
      loads: ['ankle', 'knee'],
    },
    { pt: 'Remo ergômetro', en: 'Rowing machine', equipment: GYM, loads: ['lower_back', 'back'] },
    { pt: 'Caminhada rápida', en: 'Brisk walk', equipment: ALL, loads: ['ankle'] },
  ],
};

const PRESCRIPTION: Record<PlanRequest['goal'], string> = {
  hypertrophy: '3–4 × 8–12, 60–90 s',
  fat_loss: '3 × 12–15, 45–60 s',
  strength: '4–5 × 4–6, 2–3 min',
  endurance: '2–3 × 15–20, 30–45 s',
  health: '2–3 × 10–12, 60 s',
};

type Block = keyof typeof MOVES;

const SPLITS: Record<number, ReadonlyArray<readonly Block[]>> = {
  1: [['legs', 'push', 'pull', 'core']],
  2: [
    ['legs', 'push', 'pull', 'core'],
    ['legs', 'pull', 'push', 'cardio'],
  ],
  3: [
    ['legs', 'push', 'pull', 'core'],
    ['pull', 'legs', 'push', 'cardio'],
    ['push', 'pull', 'legs', 'core'],
  ],
  4: [
    ['push', 'push', 'core'],
    ['legs', 'legs', 'cardio'],
    ['pull', 'pull', 'core'],
    ['legs', 'push', 'pull'],
  ],
  5: [
    ['push', 'push', 'core'],
    ['pull', 'pull', 'cardio'],
    ['legs', 'legs', 'core'],
    ['push', 'pull', 'cardio'],
    ['legs', 'core', 'cardio'],
  ],
  6: [
    ['push', 'push', 'core'],
    ['pull', 'pull', 'cardio'],
    ['legs', 'legs', 'core'],
    ['push', 'push', 'cardio'],
    ['pull', 'pull', 'core'],
    ['legs', 'legs', 'cardio'],
  ],
};

const FOCUS: Record<Block, { pt: string; en: string }> = {
  legs: { pt: 'pernas', en: 'legs' },
  push: { pt: 'empurrar (peito, ombro, tríceps)', en: 'push (chest, shoulders, triceps)' },
  pull: { pt: 'puxar (costas, bíceps)', en: 'pull (back, biceps)' },
  core: { pt: 'core', en: 'core' },
  cardio: { pt: 'cardio', en: 'cardio' },
};

/** Builds the week. Deterministic: the same request gives the same plan. */
export function buildWeeklyPlan(request: PlanRequest): WeeklyPlan {
  const days = Math.min(6, Math.max(1, Math.round(request.daysPerWeek)));
  const split = SPLITS[days] ?? SPLITS[3] ?? [];
  const used = new Map<Block, number>();
  const perDay = request.level === 'beginner' ? 4 : request.level === 'intermediate' ? 5 : 6;
  const safe = (move: Move) =>
    move.equipment.includes(request.equipment) && !move.loads.some((part) => request.injuries.includes(part));
  const planDays: PlanDay[] = split.map((blocks) => {
    const chosen: Move[] = [];
    const sequence = [...blocks];
    if (request.goal === 'fat_loss' || request.goal === 'endurance') sequence.push('cardio');
    for (let i = 0; chosen.length < perDay && i < perDay * 3; i += 1) {
      const block = sequence[i % sequence.length] ?? 'core';
      const candidates = MOVES[block].filter((m) => safe(m) && !chosen.includes(m));
      if (candidates.length === 0) continue;
      const n = used.get(block) ?? 0;
      used.set(block, n + 1);
      const move = candidates[n % candidates.length];
      if (move !== undefined) chosen.push(move);
    }
    const focus = [...new Set(blocks)].map((b) => FOCUS[b]);
    return {
      focus: { pt: focus.map((f) => f.pt).join(' + '), en: focus.map((f) => f.en).join(' + ') },
      exercises: chosen.map((m) => ({
        pt: m.pt,
        en: m.en,
        prescription: MOVES.cardio.includes(m)
          ? request.goal === 'fat_loss'
            ? '15–20 min'
            : '10 min'
          : PRESCRIPTION[request.goal],
      })),
    };
  });
  const pt: string[] = [];
  const en: string[] = [];
  if (request.injuries.length > 0) {
    pt.push(
      'Tirei os exercícios que carregam a região com dor. Antes de treinar com dor ou lesão, fale com um médico ou fisioterapeuta e com o professor da sala.',
    );
    en.push(
      'I left out the exercises that load the painful area. Before training with pain or an injury, talk to a doctor or physiotherapist and to the floor instructor.',
    );
  }
  if (request.level === 'beginner') {
    pt.push(
      'Iniciante: comece com cargas leves e aprenda a técnica; aumente a carga quando fizer todas as repetições com boa forma.',
    );
    en.push('Beginner: start light and learn the technique; add load once all reps feel clean.');
  }
  pt.push('Descanse ao menos um dia entre treinos do mesmo grupo e aqueça 5–10 min antes.');
  en.push('Rest at least a day between sessions for the same muscles and warm up 5–10 min first.');
  return { request: { ...request, daysPerWeek: days }, days: planDays, notes: { pt, en } };
}
