import { fold, nearWord, words } from './normalize.ts';

/**
 * Word lists the engine knows (folded: lower case, no accents). Each maps a canonical value to its
 * spellings in pt-BR and English; multi-word spellings match as phrases. Used for entities and, as
 * "concept" features, by the intent classifier (so "asma" and "asthma" both read as medical).
 */
export type Lexicon = Readonly<Record<string, readonly string[]>>;

export const BODY_PARTS: Lexicon = {
  knee: ['joelho', 'joelhos', 'knee', 'knees', 'menisco', 'meniscus'],
  lower_back: ['lombar', 'lower back', 'parte baixa das costas', 'coluna lombar'],
  back: ['costas', 'dorsal', 'dorsais', 'back', 'coluna', 'spine'],
  shoulder: ['ombro', 'ombros', 'shoulder', 'shoulders', 'deltoide'],
  chest: ['peito', 'peitoral', 'chest', 'pecs'],
  legs: [
    'perna',
    'pernas',
    'coxa',
    'coxas',
    'quadriceps',
    'posterior',
    'legs',
    'leg',
    'thighs',
    'hamstrings',
  ],
  arms: ['braco', 'bracos', 'biceps', 'triceps', 'arm', 'arms', 'antebraco', 'forearm'],
  abs: ['abdomen', 'abdominal', 'abdominais', 'barriga', 'core', 'abs', 'abdominals', 'belly'],
  glutes: ['gluteo', 'gluteos', 'bumbum', 'glute', 'glutes', 'butt'],
  ankle: ['tornozelo', 'ankle', 'pe', 'foot'],
  wrist: ['punho', 'pulso', 'wrist'],
  elbow: ['cotovelo', 'elbow'],
  neck: ['pescoco', 'neck', 'cervical'],
  hip: ['quadril', 'hip', 'hips'],
};

export const EXERCISES: Lexicon = {
  squat: ['agachamento', 'agachamentos', 'agachar', 'squat', 'squats', 'agachamneto'],
  deadlift: ['levantamento terra', 'terra', 'deadlift', 'deadlifts', 'stiff'],
  bench_press: ['supino', 'bench press', 'bench'],
  push_up: ['flexao', 'flexoes', 'flexao de braco', 'push up', 'push ups', 'pushup', 'pushups'],
  plank: ['prancha', 'plank', 'planks'],
  pull_up: ['barra fixa', 'pull up', 'pull ups', 'pullup', 'chin up'],
  bent_over_row: ['remada', 'remada curvada', 'row', 'barbell row', 'bent over row', 'dumbbell row'],
  lunge: ['afundo', 'passada', 'lunge', 'lunges', 'avanco'],
  shoulder_press: ['desenvolvimento', 'shoulder press', 'overhead press', 'militar'],
  hip_thrust: ['elevacao pelvica', 'hip thrust', 'glute bridge', 'ponte'],
  biceps_curl: ['rosca', 'rosca direta', 'curl', 'bicep curl', 'biceps curl'],
  burpee: ['burpee', 'burpees'],
};

export const GOALS: Lexicon = {
  hypertrophy: [
    'hipertrofia',
    'ganhar massa',
    'massa muscular',
    'ganho de massa',
    'crescer',
    'build muscle',
    'hypertrophy',
    'muscle gain',
    'gain muscle',
    'bulk',
  ],
  fat_loss: [
    'emagrecer',
    'perder peso',
    'secar',
    'perder gordura',
    'emagrecimento',
    'lose weight',
    'fat loss',
    'lose fat',
    'weight loss',
    'slim down',
  ],
  strength: ['forca', 'ficar forte', 'strength', 'stronger', 'powerlifting'],
  endurance: ['condicionamento', 'resistencia', 'folego', 'cardio', 'endurance', 'conditioning', 'stamina'],
  health: ['saude', 'qualidade de vida', 'health', 'healthy', 'wellbeing'],
};

export const LEVELS: Lexicon = {
  beginner: [
    'iniciante',
    'comecando',
    'nunca treinei',
    'novato',
    'beginner',
    'newbie',
    'just starting',
    'new to the gym',
  ],
  intermediate: ['intermediario', 'intermediate'],
  advanced: ['avancado', 'experiente', 'advanced', 'experienced'],
};

export const EQUIPMENT: Lexicon = {
  bodyweight: [
    'sem equipamento',
    'peso do corpo',
    'peso corporal',
    'bodyweight',
    'body weight',
    'no equipment',
    'calistenia',
  ],
  dumbbells: ['halter', 'halteres', 'dumbbell', 'dumbbells'],
  full_gym: ['academia completa', 'aparelhos', 'maquinas', 'full gym', 'machines', 'barbell', 'barra'],
};

/** Concept words that tell intents apart; they become classifier features `k:<concept>`. */
export const CONCEPTS: Lexicon = {
  medical: [
    'asma',
    'asthma',
    'diabetes',
    'diabetico',
    'diabetic',
    'gravida',
    'gestante',
    'pregnant',
    'pressao alta',
    'hipertenso',
    'blood pressure',
    'remedio',
    'medicamento',
    'medicine',
    'medication',
    'ibuprofeno',
    'ibuprofen',
    'lesao',
    'injury',
    'injured',
    'machuquei',
    'hurt',
    'cirurgia',
    'surgery',
    'hernia',
    'herniated',
    'tendinite',
    'tendonitis',
    'ligamento',
    'ligament',
    'medico',
    'doctor',
    'doenca',
    'disease',
    'inchado',
    'swollen',
    'torci',
    'sprained',
    'febre',
    'fever',
    'colesterol',
    'cholesterol',
    'fisioterapia',
    'nutricionista',
    'diagnose',
    'diagnostico',
    'anabolizante',
    'steroids',
  ],
  emergency: [
    'dor no peito',
    'chest pain',
    'aperto no peito',
    'pressao no peito',
    'peito doendo',
    'falta de ar',
    'cant breathe',
    'not breathing',
    'nao respira',
    'desmaiou',
    'desmaio',
    'fainted',
    'collapsed',
    'passed out',
    'inconsciente',
    'unconscious',
    'infarto',
    'heart attack',
    'formigando',
    'dormente',
    'numb',
    'convulsao',
    'seizure',
    'sangrando',
    'bleeding',
    'socorro',
    'ambulancia',
    'ambulance',
    'emergencia',
    'emergency',
  ],
  food: [
    'comer',
    'comida',
    'eat',
    'food',
    'agua',
    'water',
    'beber',
    'drink',
    'hidratacao',
    'hydration',
    'proteina',
    'protein',
    'whey',
    'creatina',
    'creatine',
    'caloria',
    'calorias',
    'calories',
    'carboidrato',
    'carbs',
    'dieta',
    'diet',
    'jejum',
    'fasted',
    'lanche',
    'snack',
    'suplemento',
    'supplement',
    'cafe',
    'coffee',
    'isotonico',
    'fruta',
    'banana',
    'ovo',
    'eggs',
    'engorda',
    'refeicao',
    'meal',
  ],
  booking: [
    'reservar',
    'reserva',
    'agendar',
    'agenda',
    'marcar',
    'marca',
    'inscreve',
    'inscrever',
    'coloca',
    'book',
    'reserve',
    'sign me up',
    'enroll',
    'vaga',
  ],
  cancel: ['cancelar', 'cancela', 'desmarcar', 'desmarca', 'cancel', 'unbook', 'desisto', 'tira meu nome'],
  mine: ['meu', 'minha', 'meus', 'minhas', 'my', 'eu marquei', 'i booked'],
  hours: [
    'abre',
    'fecha',
    'aberto',
    'aberta',
    'open',
    'close',
    'closes',
    'funcionamento',
    'funciona',
    'horario de funcionamento',
  ],
  price: ['preco', 'precos', 'custa', 'valor', 'mensalidade', 'price', 'cost', 'costs', 'pricing'],
  plan_word: ['plano', 'planos', 'plan', 'plans', 'membership', 'matricula', 'assinatura'],
  workout: ['treino', 'ficha', 'rotina', 'programa', 'workout', 'routine', 'program', 'split', 'divisao'],
  human: [
    'atendente',
    'humano',
    'pessoa',
    'funcionario',
    'recepcao',
    'gerente',
    'professor',
    'instrutor',
    'human',
    'person',
    'staff',
    'manager',
    'instructor',
  ],
  class_word: ['aula', 'aulas', 'class', 'classes', 'grade', 'timetable', 'schedule'],
  when: [
    'hoje',
    'amanha',
    'segunda',
    'terca',
    'quarta',
    'quinta',
    'sexta',
    'sabado',
    'domingo',
    'today',
    'tomorrow',
    'monday',
    'tuesday',
    'wednesday',
    'thursday',
    'friday',
    'saturday',
    'sunday',
    'noite',
    'manha',
    'tarde',
    'evening',
    'morning',
  ],
};

/** One match of a lexicon in a text. */
export interface LexiconMatch {
  readonly value: string;
  readonly text: string;
  readonly index: number;
}

/**
 * Finds every canonical value of `lexicon` in `text` (folded): multi-word spellings as phrases, single
 * words exactly or with one typo (from 6 letters). Longest spelling wins at a position.
 */
export function matchLexicon(text: string, lexicon: Lexicon, typos = true): LexiconMatch[] {
  const tokens = tokensOf(text);
  const found: LexiconMatch[] = [];
  const taken = new Set<number>();
  for (const { value, parts } of compiled(lexicon)) {
    for (let i = 0; i + parts.length <= tokens.length; i += 1) {
      if (taken.has(i)) continue;
      const ok = parts.every((part, j) => {
        const token = tokens[i + j] ?? '';
        return (
          token === part || (typos && part.length >= 6 && !NOT_TYPOS.has(token) && nearWord(token, part))
        );
      });
      if (!ok) continue;
      for (let j = 0; j < parts.length; j += 1) taken.add(i + j);
      found.push({ value, text: parts.join(' '), index: i });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/** Everyday words one letter away from a class or exercise name: never read as its typo. */
const NOT_TYPOS = new Set([
  'funciona',
  'funcionam',
  'passado',
  'planos',
  'plano',
  'terça',
  'trena',
  'remado',
  'rosto',
]);

type Compiled = ReadonlyArray<{ readonly value: string; readonly parts: readonly string[] }>;
const COMPILED = new WeakMap<Lexicon, Compiled>();

/** A lexicon's spellings split into words, longest first; compiled once per lexicon object. */
function compiled(lexicon: Lexicon): Compiled {
  let entries = COMPILED.get(lexicon);
  if (entries === undefined) {
    entries = Object.entries(lexicon)
      .flatMap(([value, spellings]) => spellings.map((spelling) => ({ value, parts: spelling.split(' ') })))
      .sort((a, b) => b.parts.length - a.parts.length);
    COMPILED.set(lexicon, entries);
  }
  return entries;
}

let lastText: string | undefined;
let lastTokens: readonly string[] = [];

/** Folded words of a text; the last one is remembered (every lexicon of a message reads the same text). */
function tokensOf(text: string): readonly string[] {
  if (text !== lastText) {
    lastText = text;
    lastTokens = words(fold(text));
  }
  return lastTokens;
}

/** Distinct canonical values of a lexicon found in a text, in order of appearance. */
export function valuesIn(text: string, lexicon: Lexicon): string[] {
  return [...new Set(matchLexicon(text, lexicon).map((m) => m.value))];
}
