/**
 * Deterministic demo data for one gym unit of the chain: plans, class types, trainers, a weekly
 * timetable, members with Brazilian names and documents, their memberships, payments, class
 * sessions with bookings and waitlists, and front-desk check-ins.
 *
 * Everything comes from a seeded PRNG (sfc32), so the same {@link DemoUnitSpec} always gives
 * deep-equal data; each concern (people, contracts, visits…) draws from its own stream derived from
 * the seed and the member's index, so e.g. adding members does not rename the first ones.
 *
 * Records are plain objects with stable string keys (`m0001`, `m0001-c1`, `ci-20261125-m0001`), not
 * documents: the store turns them into documents, e.g. with `deterministicDocId(type, unitId, key)`.
 * Keys of bookings, waitlist entries and check-ins match the entry-key pattern of the schema.
 *
 * How members behave, after real gym data (the public gym churn set, see
 * `/work/shared/data/README.md`): month-to-month contracts, low and falling attendance and short
 * tenure drive churn; members who take group classes stay longer. About a quarter of the members
 * churn within a 12-month window, and attendance falls over the 8 weeks before a member leaves.
 *
 * Time: `spec.today` is the simulated "now", taken as 00:00 local time of that day. History (check-ins,
 * completed sessions, payments) runs from `spec.months` months before it until then; sessions are
 * also generated for today and the 13 days after (bookings open 7 days ahead, so only those have
 * bookings yet). Local times are turned into UTC instants with the unit's IANA zone via Intl, so
 * daylight saving (São Paulo had it until 2019) is honoured.
 */
import type { BillingPeriod } from '@gymedge/crdt-schema';
import { cpfFromBase } from '../domain/cpf.ts';
import { foldText } from '../domain/text.ts';
import { offsetMs } from '../domain/time.ts';

// =============================================================================================
// Public types

/** What to generate: one unit of the demo chain. */
export interface DemoUnitSpec {
  /** Unit slug, e.g. `sp-paulista`. */
  unitId: string;
  name: string;
  city: string;
  /** Two-letter state code (`SP`, `RJ`…): sets phone area codes and CPF regions. */
  state: string;
  /** IANA zone, e.g. `America/Sao_Paulo`. */
  timeZone: string;
  /** Number of member records (everyone with a membership at some point in the window). */
  members: number;
  seed: number;
  /** Months of history before `today`. */
  months: number;
  /** The simulated current date, `YYYY-MM-DD` (local to the unit). */
  today: string;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** A plan of the chain catalogue (the same at every unit). */
export interface DemoPlan {
  key: string;
  name: string;
  description: string;
  /** Current price per billing period, in cents. */
  priceCents: number;
  currency: 'BRL';
  billingPeriod: BillingPeriod;
  /** Classes per billing period; absent means unlimited. */
  classCredits?: number;
  access: 'home' | 'all';
  active: boolean;
}

export interface DemoClassType {
  key: string;
  name: string;
  description: string;
  category: 'cardio' | 'strength' | 'mind_body' | 'dance' | 'aquatic' | 'combat' | 'other';
  durationMin: number;
  defaultCapacity: number;
  intensity: 'low' | 'medium' | 'high';
}

export interface DemoTrainer {
  /** `t01`… */
  key: string;
  name: string;
  /** Class type keys this trainer teaches. */
  specialties: string[];
}

/** One class of the weekly timetable, in the unit's local time. */
export interface TimetableSlot {
  /** Day of the week; national holidays run the Sunday timetable (see {@link unitDay}). */
  day: Weekday;
  /** Local start, `HH:MM`. */
  time: string;
  classTypeKey: string;
  room: string;
  trainerKey: string;
  capacity: number;
}

export type DemoGender = 'female' | 'male' | 'other';

export interface DemoMember {
  /** `m0001`… */
  key: string;
  /** Full name, e.g. `Maria Conceição Gonçalves`. */
  name: string;
  /** CPF, 11 digits with valid check digits, unique in the unit. */
  document: string;
  /** Mobile with the unit's area code, `(11) 98765-4321`. */
  phone: string;
  email: string;
  birthDate: string;
  gender: DemoGender;
  /** First membership start. */
  signupDate: string;
  /** Neighbourhood of the unit's city. */
  region: string;
  consent: { marketing: boolean; imageAnalytics: boolean };
  /** `inactive` once the member has no membership left (churned). */
  status: 'active' | 'inactive';
  /** True when the member left within the window. */
  churned: boolean;
  /** First day without a membership, for churned members. */
  churnedOn?: string;
  /** The behaviour the member was simulated with: ground truth for analytics demos. */
  traits: DemoMemberTraits;
}

export interface DemoMemberTraits {
  /** Usual visits per week, 0.5 to 5, before seasons and decline. */
  visitsPerWeek: number;
  preferredSlot: 'morning' | 'midday' | 'afternoon' | 'evening';
  takesClasses: boolean;
  favouriteClassTypes: string[];
  /**
   * Set when the simulation has the member leave in the 60 days after `today`: still active now,
   * but attendance is already falling. Hidden from the membership records, as it would be in life.
   */
  leavesOn?: string;
}

export interface DemoMembership {
  /** `m0001-c1`: member key and contract number. */
  key: string;
  memberKey: string;
  planKey: string;
  status: 'active' | 'frozen' | 'cancelled' | 'expired';
  startDate: string;
  /**
   * Last day covered. Absent for a running month-to-month contract; for a cancelled one, the end of
   * the last paid month (a member who asked to cancel keeps status `active` and `autoRenew: false`
   * until then).
   */
  endDate?: string;
  /** The price agreed at sale, per billing period (prices rise about 7% a year). */
  priceCents: number;
  autoRenew: boolean;
  /** For `frozen`: first day of the freeze (not in the schema; kept for the demo's consistency). */
  frozenFrom?: string;
  frozenUntil?: string;
  cancelledAt?: string;
  cancelReason?: string;
}

export type DemoPaymentMethod = 'pix' | 'credit_card' | 'debit_card' | 'cash' | 'boleto';

export interface DemoPayment {
  /** `m0001-c1-p003`: membership key and billing period. */
  key: string;
  memberKey: string;
  membershipKey: string;
  amountCents: number;
  currency: 'BRL';
  /** `Mensalidade`, `Plano Anual`… */
  service: string;
  method: DemoPaymentMethod;
  status: 'pending' | 'paid' | 'failed';
  /** First day of the billing period. */
  dueDate: string;
  /** UTC instant, for paid payments. */
  paidAt?: string;
  timeZone: string;
}

export interface DemoBooking {
  /** `bk-m0001`: unique within the session. */
  key: string;
  memberKey: string;
  status: 'booked' | 'attended' | 'no_show' | 'cancelled';
  bookedAt: string;
  cancelledAt?: string;
  source: 'app' | 'kiosk' | 'staff';
}

export interface DemoWaitlistEntry {
  /** `wl-m0001`. */
  key: string;
  memberKey: string;
  joinedAt: string;
  /** `promoted` entries also have a booking in the session. */
  status: 'waiting' | 'promoted' | 'left';
}

export interface DemoSession {
  /** `s-20261125-0700-bike`: local date, time and room. */
  key: string;
  /** Local date. */
  date: string;
  /** Local start, `HH:MM`. */
  localTime: string;
  classTypeKey: string;
  title: string;
  startsAt: string;
  endsAt: string;
  timeZone: string;
  room: string;
  trainerKey: string;
  trainerName: string;
  capacity: number;
  status: 'scheduled' | 'cancelled' | 'completed';
  bookings: DemoBooking[];
  waitlist: DemoWaitlistEntry[];
}

export interface DemoCheckin {
  /** `ci-20261125-m0001`: at most one check-in per member and day. */
  key: string;
  memberKey: string;
  membershipKey: string;
  /** Local date. */
  date: string;
  at: string;
  method: 'qr' | 'card' | 'manual';
}

export interface DemoUnitData {
  unit: {
    unitId: string;
    name: string;
    city: string;
    state: string;
    timeZone: string;
    currency: 'BRL';
    maxOccupancy: number;
    openingHours: Record<Weekday, { opens: string; closes: string }>;
  };
  window: {
    /** First day of history. */
    from: string;
    /** The simulated now (00:00 local); history ends just before it. */
    today: string;
    /** Last day with sessions. */
    sessionsUntil: string;
  };
  plans: DemoPlan[];
  classTypes: DemoClassType[];
  trainers: DemoTrainer[];
  timetable: TimetableSlot[];
  /** Sorted by key. */
  members: DemoMember[];
  /** Sorted by member, then start. */
  memberships: DemoMembership[];
  /** Sorted by due date, then key. */
  payments: DemoPayment[];
  /** Sorted by start, then key. */
  sessions: DemoSession[];
  /** Sorted by time, then key. */
  checkins: DemoCheckin[];
}

// =============================================================================================
// Chain catalogue

/** The chain's plans, the same at every unit. Basic plans include 8 classes a month. */
export const DEMO_PLANS: readonly DemoPlan[] = [
  {
    key: 'mensal',
    name: 'Mensal',
    description: 'Musculação e aeróbico na unidade, 8 aulas coletivas por mês, sem fidelidade.',
    priceCents: 12990,
    currency: 'BRL',
    billingPeriod: 'monthly',
    classCredits: 8,
    access: 'home',
    active: true,
  },
  {
    key: 'trimestral',
    name: 'Trimestral',
    description: 'Três meses com desconto: R$ 119,90 por mês, 8 aulas coletivas por mês.',
    priceCents: 35970,
    currency: 'BRL',
    billingPeriod: 'quarterly',
    classCredits: 24,
    access: 'home',
    active: true,
  },
  {
    key: 'semestral',
    name: 'Semestral',
    description: 'Seis meses: R$ 109,90 por mês, 8 aulas coletivas por mês.',
    priceCents: 65940,
    currency: 'BRL',
    billingPeriod: 'semiannual',
    classCredits: 48,
    access: 'home',
    active: true,
  },
  {
    key: 'anual',
    name: 'Anual',
    description: 'Doze meses pelo menor preço: R$ 89,90 por mês, 8 aulas coletivas por mês.',
    priceCents: 107880,
    currency: 'BRL',
    billingPeriod: 'annual',
    classCredits: 96,
    access: 'home',
    active: true,
  },
  {
    key: 'black',
    name: 'Plano Black',
    description: 'Todas as unidades da rede, aulas coletivas ilimitadas e leve um amigo.',
    priceCents: 17990,
    currency: 'BRL',
    billingPeriod: 'monthly',
    access: 'all',
    active: true,
  },
  {
    key: 'aulas',
    name: 'Plano Aulas',
    description: 'Somente aulas coletivas: 12 créditos por mês, sem musculação.',
    priceCents: 9990,
    currency: 'BRL',
    billingPeriod: 'monthly',
    classCredits: 12,
    access: 'home',
    active: true,
  },
];

const BILLING_MONTHS: Record<BillingPeriod, number> = { monthly: 1, quarterly: 3, semiannual: 6, annual: 12 };

const SERVICE_OF_PLAN: Record<string, string> = {
  mensal: 'Mensalidade',
  trimestral: 'Plano Trimestral',
  semestral: 'Plano Semestral',
  anual: 'Plano Anual',
  black: 'Mensalidade Black',
  aulas: 'Mensalidade Plano Aulas',
};

/** The chain's class catalogue. */
export const DEMO_CLASS_TYPES: readonly DemoClassType[] = [
  {
    key: 'spinning',
    name: 'Spinning',
    description: 'Ciclismo indoor com música, variação de ritmo e carga.',
    category: 'cardio',
    durationMin: 45,
    defaultCapacity: 25,
    intensity: 'high',
  },
  {
    key: 'yoga',
    name: 'Yoga',
    description: 'Hatha yoga: posturas, respiração e relaxamento.',
    category: 'mind_body',
    durationMin: 60,
    defaultCapacity: 20,
    intensity: 'low',
  },
  {
    key: 'pilates',
    name: 'Pilates Solo',
    description: 'Fortalecimento do core e mobilidade, no colchonete.',
    category: 'mind_body',
    durationMin: 50,
    defaultCapacity: 15,
    intensity: 'medium',
  },
  {
    key: 'funcional',
    name: 'Funcional',
    description: 'Circuito com peso corporal, kettlebell, elásticos e caixa.',
    category: 'strength',
    durationMin: 45,
    defaultCapacity: 20,
    intensity: 'high',
  },
  {
    key: 'zumba',
    name: 'Zumba',
    description: 'Aula aeróbica de dança com ritmos latinos.',
    category: 'dance',
    durationMin: 50,
    defaultCapacity: 30,
    intensity: 'medium',
  },
  {
    key: 'musculacao-guiada',
    name: 'Musculação guiada',
    description: 'Treino de musculação em pequeno grupo, com professor.',
    category: 'strength',
    durationMin: 45,
    defaultCapacity: 12,
    intensity: 'medium',
  },
  {
    key: 'hiit',
    name: 'HIIT',
    description: 'Treino intervalado de alta intensidade em 30 minutos.',
    category: 'cardio',
    durationMin: 30,
    defaultCapacity: 20,
    intensity: 'high',
  },
  {
    key: 'alongamento',
    name: 'Alongamento',
    description: 'Alongamento e mobilidade para todas as idades.',
    category: 'mind_body',
    durationMin: 30,
    defaultCapacity: 25,
    intensity: 'low',
  },
  {
    key: 'jump',
    name: 'Jump',
    description: 'Aeróbico no mini trampolim.',
    category: 'cardio',
    durationMin: 45,
    defaultCapacity: 20,
    intensity: 'high',
  },
  {
    key: 'muay-thai',
    name: 'Muay Thai',
    description: 'Técnica, condicionamento e combinações de golpes.',
    category: 'combat',
    durationMin: 60,
    defaultCapacity: 20,
    intensity: 'high',
  },
  {
    key: 'ritmos',
    name: 'Ritmos',
    description: 'Dança com axé, funk, sertanejo e pop.',
    category: 'dance',
    durationMin: 50,
    defaultCapacity: 30,
    intensity: 'medium',
  },
];

const CLASS_TYPE = new Map(DEMO_CLASS_TYPES.map((t) => [t.key, t]));

const OPENING_HOURS: Record<Weekday, { opens: string; closes: string }> = {
  mon: { opens: '05:30', closes: '23:00' },
  tue: { opens: '05:30', closes: '23:00' },
  wed: { opens: '05:30', closes: '23:00' },
  thu: { opens: '05:30', closes: '23:00' },
  fri: { opens: '05:30', closes: '22:00' },
  sat: { opens: '07:00', closes: '17:00' },
  sun: { opens: '08:00', closes: '13:00' },
};

/** [time, class type, room, trainer index]. Trainers never teach two classes at once. */
type SlotTemplate = readonly [string, string, string, number];

const DAY_A: readonly SlotTemplate[] = [
  ['06:30', 'spinning', 'Sala de Bike', 0],
  ['07:00', 'funcional', 'Área Funcional', 2],
  ['08:00', 'pilates', 'Estúdio 2', 6],
  ['09:00', 'alongamento', 'Estúdio 1', 1],
  ['12:15', 'hiit', 'Área Funcional', 2],
  ['18:00', 'spinning', 'Sala de Bike', 5],
  ['18:30', 'funcional', 'Área Funcional', 4],
  ['19:00', 'zumba', 'Estúdio 1', 3],
  ['19:30', 'yoga', 'Estúdio 2', 1],
  ['20:00', 'muay-thai', 'Tatame', 4],
];
const DAY_B: readonly SlotTemplate[] = [
  ['06:30', 'hiit', 'Área Funcional', 2],
  ['07:00', 'spinning', 'Sala de Bike', 0],
  ['08:00', 'yoga', 'Estúdio 2', 1],
  ['12:15', 'musculacao-guiada', 'Sala de Musculação', 7],
  ['17:30', 'jump', 'Estúdio 1', 5],
  ['18:00', 'pilates', 'Estúdio 2', 6],
  ['18:30', 'spinning', 'Sala de Bike', 0],
  ['19:00', 'funcional', 'Área Funcional', 7],
  ['19:30', 'ritmos', 'Estúdio 1', 3],
  ['20:00', 'muay-thai', 'Tatame', 4],
];
const TIMETABLE_TEMPLATE: Record<Weekday, readonly SlotTemplate[]> = {
  mon: DAY_A,
  tue: DAY_B,
  wed: DAY_A,
  thu: DAY_B,
  fri: DAY_A.slice(0, 8), // Friday evening is quiet: no yoga nor muay thai
  sat: [
    ['08:00', 'funcional', 'Área Funcional', 2],
    ['09:00', 'spinning', 'Sala de Bike', 5],
    ['09:00', 'yoga', 'Estúdio 2', 1],
    ['10:00', 'zumba', 'Estúdio 1', 3],
    ['10:00', 'muay-thai', 'Tatame', 4],
    ['11:00', 'alongamento', 'Estúdio 2', 6],
  ],
  sun: [
    ['09:00', 'spinning', 'Sala de Bike', 0],
    ['10:00', 'yoga', 'Estúdio 2', 1],
    ['10:30', 'funcional', 'Área Funcional', 7],
  ],
};

const ROOM_SLUG: Record<string, string> = {
  'Sala de Bike': 'bike',
  'Área Funcional': 'funcional',
  'Estúdio 1': 'estudio1',
  'Estúdio 2': 'estudio2',
  'Sala de Musculação': 'musculacao',
  Tatame: 'tatame',
};

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Closed all day. */
const CLOSED_ON = new Set(['01-01', '12-25']);
/** National holidays with fixed dates: the unit opens with Sunday hours and timetable. */
const HOLIDAYS = new Set(['04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '11-20']);

/** How the unit runs on a local date: closed, or which hours and timetable apply. */
export function unitDay(date: string): { open: false } | { open: true; hours: Weekday; holiday: boolean } {
  const monthDay = date.slice(5);
  if (CLOSED_ON.has(monthDay)) return { open: false };
  if (HOLIDAYS.has(monthDay)) return { open: true, hours: 'sun', holiday: true };
  return { open: true, hours: WEEKDAYS[weekdayOf(dayOf(date))] ?? 'sun', holiday: false };
}

// =============================================================================================
// Names and places

/** [name, weight, generation]: `o` born before 1975, `m` 1975-1994, `y` from 1995, `a` any. */
type NameEntry = readonly [string, number, 'o' | 'm' | 'y' | 'a'];

const FEMALE_NAMES: readonly NameEntry[] = [
  ['Maria', 10, 'o'],
  ['Ana', 8, 'a'],
  ['Francisca', 4, 'o'],
  ['Antônia', 3, 'o'],
  ['Adriana', 4, 'm'],
  ['Juliana', 5, 'm'],
  ['Márcia', 3, 'o'],
  ['Fernanda', 5, 'm'],
  ['Patrícia', 4, 'm'],
  ['Aline', 4, 'm'],
  ['Sandra', 3, 'o'],
  ['Camila', 5, 'm'],
  ['Amanda', 4, 'y'],
  ['Bruna', 4, 'y'],
  ['Jéssica', 4, 'm'],
  ['Letícia', 4, 'y'],
  ['Júlia', 5, 'y'],
  ['Luciana', 3, 'm'],
  ['Vanessa', 3, 'm'],
  ['Mariana', 5, 'y'],
  ['Gabriela', 5, 'y'],
  ['Vera', 2, 'o'],
  ['Vitória', 3, 'y'],
  ['Larissa', 4, 'y'],
  ['Cláudia', 3, 'o'],
  ['Beatriz', 4, 'y'],
  ['Rita', 2, 'o'],
  ['Luana', 3, 'y'],
  ['Sônia', 2, 'o'],
  ['Renata', 3, 'm'],
  ['Eliane', 2, 'o'],
  ['Conceição', 2, 'o'],
  ['Raimunda', 2, 'o'],
  ['Débora', 3, 'm'],
  ['Carolina', 4, 'm'],
  ['Tatiane', 3, 'm'],
  ['Priscila', 3, 'm'],
  ['Natália', 4, 'y'],
  ['Rafaela', 3, 'y'],
  ['Simone', 2, 'o'],
  ['Isabela', 4, 'y'],
  ['Daniela', 3, 'm'],
  ['Lúcia', 2, 'o'],
  ['Cristiane', 3, 'm'],
  ['Helena', 3, 'y'],
  ['Alice', 3, 'y'],
  ['Laura', 4, 'y'],
  ['Manuela', 2, 'y'],
  ['Valentina', 2, 'y'],
  ['Sophia', 2, 'y'],
  ['Lívia', 3, 'y'],
  ['Giovanna', 3, 'y'],
  ['Yasmin', 3, 'y'],
  ['Thaís', 3, 'm'],
  ['Bianca', 3, 'y'],
  ['Paula', 3, 'm'],
  ['Viviane', 2, 'm'],
  ['Sabrina', 2, 'm'],
  ['Joana', 2, 'a'],
  ['Luíza', 3, 'y'],
  ['Heloísa', 2, 'y'],
  ['Cecília', 2, 'y'],
  ['Lorena', 2, 'y'],
  ['Elaine', 2, 'o'],
  ['Rosângela', 2, 'o'],
  ['Fabiana', 3, 'm'],
  ['Regina', 2, 'o'],
  ['Maria Eduarda', 4, 'y'],
  ['Ana Clara', 3, 'y'],
  ['Maria Clara', 3, 'y'],
  ['Ana Paula', 4, 'm'],
  ['Ana Beatriz', 2, 'y'],
  ['Maria Luiza', 2, 'y'],
  ['Ana Carolina', 3, 'm'],
  ['Maria Fernanda', 2, 'm'],
  ['Maria das Graças', 2, 'o'],
  ['Maria José', 2, 'o'],
  ['Maria Aparecida', 2, 'o'],
];

const MALE_NAMES: readonly NameEntry[] = [
  ['José', 8, 'o'],
  ['João', 7, 'a'],
  ['Antônio', 5, 'o'],
  ['Francisco', 4, 'o'],
  ['Carlos', 5, 'm'],
  ['Paulo', 4, 'o'],
  ['Pedro', 5, 'y'],
  ['Lucas', 6, 'y'],
  ['Luiz', 4, 'o'],
  ['Marcos', 4, 'm'],
  ['Luís', 3, 'o'],
  ['Gabriel', 6, 'y'],
  ['Rafael', 5, 'm'],
  ['Daniel', 4, 'm'],
  ['Marcelo', 4, 'm'],
  ['Bruno', 5, 'm'],
  ['Eduardo', 4, 'm'],
  ['Felipe', 5, 'y'],
  ['Raimundo', 2, 'o'],
  ['Rodrigo', 4, 'm'],
  ['Manoel', 2, 'o'],
  ['Mateus', 4, 'y'],
  ['André', 4, 'm'],
  ['Fernando', 4, 'm'],
  ['Fábio', 3, 'm'],
  ['Leonardo', 4, 'y'],
  ['Gustavo', 5, 'y'],
  ['Guilherme', 5, 'y'],
  ['Leandro', 3, 'm'],
  ['Tiago', 3, 'm'],
  ['Anderson', 3, 'm'],
  ['Ricardo', 3, 'm'],
  ['Márcio', 3, 'o'],
  ['Jorge', 2, 'o'],
  ['Sebastião', 2, 'o'],
  ['Alexandre', 3, 'm'],
  ['Roberto', 3, 'o'],
  ['Edson', 2, 'o'],
  ['Diego', 4, 'm'],
  ['Vítor', 4, 'y'],
  ['Sérgio', 2, 'o'],
  ['Cláudio', 2, 'o'],
  ['Matheus', 4, 'y'],
  ['Thiago', 4, 'm'],
  ['Geraldo', 2, 'o'],
  ['Adriano', 2, 'm'],
  ['Luciano', 2, 'm'],
  ['Júlio', 2, 'o'],
  ['Renato', 3, 'm'],
  ['Vinícius', 4, 'y'],
  ['Rogério', 2, 'o'],
  ['Samuel', 3, 'y'],
  ['Ronaldo', 2, 'm'],
  ['Mário', 2, 'o'],
  ['Flávio', 2, 'm'],
  ['Douglas', 3, 'm'],
  ['Igor', 3, 'y'],
  ['Davi', 3, 'y'],
  ['Arthur', 3, 'y'],
  ['Heitor', 2, 'y'],
  ['Bernardo', 2, 'y'],
  ['Miguel', 3, 'y'],
  ['Enzo', 2, 'y'],
  ['Henrique', 3, 'y'],
  ['Caio', 3, 'y'],
  ['Otávio', 2, 'y'],
  ['Joaquim', 1, 'a'],
  ['Wellington', 2, 'm'],
  ['Wesley', 2, 'm'],
  ['Cícero', 1, 'o'],
  ['João Pedro', 4, 'y'],
  ['João Victor', 3, 'y'],
  ['João Paulo', 2, 'm'],
  ['José Carlos', 2, 'o'],
  ['Luiz Carlos', 2, 'o'],
  ['Carlos Eduardo', 3, 'm'],
  ['Paulo Henrique', 2, 'm'],
  ['Pedro Henrique', 3, 'y'],
  ['Luiz Fernando', 2, 'm'],
  ['José Roberto', 1, 'o'],
  ['Antônio Carlos', 1, 'o'],
  ['Marcos Vinícius', 2, 'y'],
];

/** [surname, weight, particle used before it in some names: `da Silva`, `dos Santos`]. */
const SURNAMES: readonly (readonly [string, number, string?])[] = [
  ['Silva', 12, 'da'],
  ['Santos', 9, 'dos'],
  ['Oliveira', 7, 'de'],
  ['Souza', 6, 'de'],
  ['Rodrigues', 5],
  ['Ferreira', 5],
  ['Alves', 5],
  ['Pereira', 5],
  ['Lima', 4, 'de'],
  ['Gomes', 4],
  ['Costa', 4, 'da'],
  ['Ribeiro', 4],
  ['Martins', 3],
  ['Carvalho', 3, 'de'],
  ['Almeida', 3, 'de'],
  ['Lopes', 3],
  ['Soares', 3],
  ['Fernandes', 3],
  ['Vieira', 3],
  ['Barbosa', 3],
  ['Rocha', 3, 'da'],
  ['Dias', 3],
  ['Nascimento', 3, 'do'],
  ['Andrade', 2, 'de'],
  ['Moreira', 2],
  ['Nunes', 2],
  ['Marques', 2],
  ['Machado', 2],
  ['Mendes', 2],
  ['Freitas', 2, 'de'],
  ['Cardoso', 2],
  ['Ramos', 2],
  ['Gonçalves', 2],
  ['Santana', 2],
  ['Teixeira', 2],
  ['Araújo', 2, 'de'],
  ['Jesus', 2, 'de'],
  ['Conceição', 1.5, 'da'],
  ['Batista', 1.5],
  ['Magalhães', 1],
  ['Brandão', 1],
  ['Guimarães', 1],
  ['Simões', 1],
  ['Peixoto', 1],
  ['Monteiro', 1],
  ['Pinto', 1],
  ['Correia', 1],
  ['Campos', 1],
  ['Moura', 1, 'de'],
  ['Cavalcanti', 1],
  ['Miranda', 1],
  ['Castro', 1, 'de'],
  ['Medeiros', 1],
  ['Azevedo', 1],
  ['Duarte', 1],
  ['Borges', 1],
  ['Leite', 1],
  ['Coelho', 1],
  ['Bezerra', 1],
  ['Nogueira', 0.8],
  ['Cunha', 0.8, 'da'],
  ['Xavier', 0.7],
  ['Siqueira', 0.7],
  ['Fonseca', 0.7, 'da'],
  ['Tavares', 0.7],
  ['Amaral', 0.7],
  ['Queiroz', 0.7],
  ['Sampaio', 0.6],
  ['Sales', 0.6],
  ['Rezende', 0.6],
  ['Macedo', 0.6],
  ['Pacheco', 0.6],
  ['Assunção', 0.5, 'da'],
  ['Falcão', 0.5],
  ['Lacerda', 0.5],
  ['Prado', 0.5, 'do'],
  ['Aragão', 0.4],
  ['Damasceno', 0.4],
  ['Bittencourt', 0.4],
];

/** Main area code of each state's capital; overridden for some cities. */
const STATE_DDD: Record<string, number> = {
  AC: 68,
  AL: 82,
  AP: 96,
  AM: 92,
  BA: 71,
  CE: 85,
  DF: 61,
  ES: 27,
  GO: 62,
  MA: 98,
  MT: 65,
  MS: 67,
  MG: 31,
  PA: 91,
  PB: 83,
  PR: 41,
  PE: 81,
  PI: 86,
  RJ: 21,
  RN: 84,
  RS: 51,
  RO: 69,
  RR: 95,
  SC: 48,
  SP: 11,
  SE: 79,
  TO: 63,
};

const CITY_DDD: Record<string, number> = {
  campinas: 19,
  santos: 13,
  'ribeirao preto': 16,
  sorocaba: 15,
  'sao jose dos campos': 12,
  uberlandia: 34,
  'juiz de fora': 32,
  londrina: 43,
  maringa: 44,
  joinville: 47,
  blumenau: 47,
  'caxias do sul': 54,
  'feira de santana': 75,
  'campina grande': 83,
};

/**
 * The ninth CPF digit names the fiscal region where it was issued; most members are from the
 * unit's state.
 */
const CPF_REGION: Record<string, number> = {
  DF: 1,
  GO: 1,
  MS: 1,
  MT: 1,
  TO: 1,
  AC: 2,
  AM: 2,
  AP: 2,
  PA: 2,
  RO: 2,
  RR: 2,
  CE: 3,
  MA: 3,
  PI: 3,
  AL: 4,
  PB: 4,
  PE: 4,
  RN: 4,
  BA: 5,
  SE: 5,
  MG: 6,
  ES: 7,
  RJ: 7,
  SP: 8,
  PR: 9,
  SC: 9,
  RS: 0,
};

const NEIGHBOURHOODS: Record<string, readonly string[]> = {
  'sao paulo': [
    'Moema',
    'Vila Mariana',
    'Pinheiros',
    'Itaim Bibi',
    'Perdizes',
    'Tatuapé',
    'Santana',
    'Mooca',
    'Vila Madalena',
    'Saúde',
    'Ipiranga',
    'Butantã',
    'Lapa',
    'Jabaquara',
    'Campo Belo',
    'Brooklin',
    'Bela Vista',
    'Consolação',
    'Aclimação',
    'Vila Olímpia',
    'Penha',
    'Pompeia',
    'Jardim Paulista',
    'Liberdade',
    'Cambuci',
    'Vila Prudente',
    'Casa Verde',
    'Tucuruvi',
    'Santo Amaro',
  ],
  'rio de janeiro': [
    'Copacabana',
    'Tijuca',
    'Barra da Tijuca',
    'Botafogo',
    'Flamengo',
    'Leblon',
    'Ipanema',
    'Méier',
    'Vila Isabel',
    'Laranjeiras',
    'Recreio dos Bandeirantes',
    'Jacarepaguá',
    'Madureira',
    'Grajaú',
    'Catete',
    'Humaitá',
    'Lagoa',
    'Campo Grande',
    'Freguesia',
    'Maracanã',
    'Centro',
    'Santa Teresa',
    'Urca',
  ],
  'belo horizonte': [
    'Savassi',
    'Funcionários',
    'Lourdes',
    'Santo Agostinho',
    'Buritis',
    'Pampulha',
    'Sion',
    'Anchieta',
    'Serra',
    'Cidade Nova',
    'Castelo',
    'Santa Efigênia',
    'Prado',
    'Gutierrez',
    'Santa Tereza',
    'Centro',
  ],
  curitiba: [
    'Batel',
    'Água Verde',
    'Centro',
    'Bigorrilho',
    'Portão',
    'Cabral',
    'Juvevê',
    'Boa Vista',
    'Santa Felicidade',
    'Rebouças',
    'Cristo Rei',
    'Mercês',
    'Bacacheri',
    'Ecoville',
    'Hauer',
  ],
  'porto alegre': [
    'Moinhos de Vento',
    'Bela Vista',
    'Petrópolis',
    'Menino Deus',
    'Cidade Baixa',
    'Bom Fim',
    'Rio Branco',
    'Auxiliadora',
    'Tristeza',
    'Centro Histórico',
    'Santana',
    'Partenon',
    'Cristal',
  ],
  salvador: [
    'Barra',
    'Pituba',
    'Rio Vermelho',
    'Graça',
    'Itaigara',
    'Caminho das Árvores',
    'Ondina',
    'Imbuí',
    'Stella Maris',
    'Brotas',
    'Costa Azul',
    'Itapuã',
    'Federação',
  ],
  recife: [
    'Boa Viagem',
    'Casa Forte',
    'Graças',
    'Espinheiro',
    'Aflitos',
    'Madalena',
    'Pina',
    'Torre',
    'Parnamirim',
    'Derby',
    'Boa Vista',
    'Encruzilhada',
  ],
  fortaleza: [
    'Aldeota',
    'Meireles',
    'Cocó',
    'Papicu',
    'Fátima',
    'Benfica',
    'Dionísio Torres',
    'Varjota',
    'Praia de Iracema',
    'Messejana',
    'Parquelândia',
  ],
  brasilia: [
    'Asa Sul',
    'Asa Norte',
    'Lago Sul',
    'Lago Norte',
    'Sudoeste',
    'Noroeste',
    'Águas Claras',
    'Guará',
    'Cruzeiro',
    'Taguatinga',
    'Octogonal',
  ],
  campinas: [
    'Cambuí',
    'Taquaral',
    'Barão Geraldo',
    'Guanabara',
    'Centro',
    'Castelo',
    'Nova Campinas',
    'Jardim Proença',
    'Bosque',
    'Botafogo',
  ],
};

const DEFAULT_NEIGHBOURHOODS: readonly string[] = [
  'Centro',
  'Jardim América',
  'Vila Nova',
  'Boa Vista',
  'Santa Cruz',
  'São José',
  'Jardim Europa',
  'Cidade Nova',
  'Jardim das Flores',
  'Santo Antônio',
  'Bela Vista',
  'Vila Operária',
];

// Demo e-mails use the reserved .example top-level domain (RFC 2606): they can never reach a real inbox.
const EMAIL_DOMAINS_YOUNG: readonly (readonly [string, number])[] = [
  ['gmail.example', 70],
  ['hotmail.example', 8],
  ['outlook.example', 8],
  ['icloud.example', 10],
  ['yahoo.example', 3],
  ['uol.example', 1],
];
const EMAIL_DOMAINS_OLDER: readonly (readonly [string, number])[] = [
  ['gmail.example', 42],
  ['hotmail.example', 20],
  ['yahoo.example', 12],
  ['uol.example', 9],
  ['bol.example', 7],
  ['terra.example', 4],
  ['outlook.example', 6],
];

const CANCEL_REASONS: readonly (readonly [string, number])[] = [
  ['Questões financeiras', 24],
  ['Falta de tempo', 22],
  ['Mudança de endereço', 14],
  ['Mudou para outra academia', 10],
  ['Lesão ou problema de saúde', 9],
  ['Horários não atendem', 6],
  ['Insatisfação com o atendimento', 5],
  ['Viagem longa', 4],
];

// =============================================================================================
// PRNG

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes PractRand;
 * seeded from a string hash so every (seed, stream) pair is its own sequence.
 */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: string) {
    // cyrb128 of "seed/stream" gives the four state words.
    const text = `${seed}/${stream}`;
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < text.length; i++) {
      const k = text.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
    this.b = (h2 ^ h1) >>> 0;
    this.c = (h3 ^ h1) >>> 0;
    this.d = (h4 ^ h1) >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Triangular distribution on [min, max] with its mode at `mode`. */
  triangular(min: number, mode: number, max: number): number {
    const u = this.next();
    const cut = (mode - min) / (max - min);
    return u < cut
      ? min + Math.sqrt(u * (max - min) * (mode - min))
      : max - Math.sqrt((1 - u) * (max - min) * (max - mode));
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

/** Weighted choice with precomputed cumulative weights. */
class Weighted<T> {
  private readonly items: T[];
  private readonly cumulative: number[];

  constructor(entries: readonly (readonly [T, number])[]) {
    this.items = entries.map(([item]) => item);
    let sum = 0;
    this.cumulative = entries.map(([, weight]) => {
      sum += weight;
      return sum;
    });
  }

  pick(rng: Rng): T {
    const total = this.cumulative[this.cumulative.length - 1] ?? 0;
    const target = rng.next() * total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    const item = this.items[lo];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

// =============================================================================================
// Calendar and clock. Days are numbered from 1970-01-01 (local calendar dates, not instants).

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

function dayOf(date: string): number {
  return daysFromCivil(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
}

/** Day number of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`); no Date objects. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of {@link daysFromCivil}: year, month (1-12) and day of a day number. */
function civilFromDays(dayNumber: number): [number, number, number] {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isoOf(day: number): string {
  const [y, m, d] = civilFromDays(day);
  return `${String(y).padStart(4, '0')}-${TWO[m]}-${TWO[d]}`;
}

/** 0 = Sunday. */
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** 0 = January. */
function monthOf(day: number): number {
  return civilFromDays(day)[1] - 1;
}

/** The same day of the month `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb). */
function addMonths(day: number, months: number): number {
  const [y, m, d] = civilFromDays(day);
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12 + 1;
  return daysFromCivil(year, month, Math.min(d, daysInMonth(year, month)));
}

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** Local wall time → UTC ms, with the zone's offset looked up once per day via Intl. */
class ZoneClock {
  private readonly offsets = new Map<number, number | null>();

  constructor(private readonly timeZone: string) {}

  /** UTC ms of `minute` minutes after local midnight of `day`. */
  utcMs(day: number, minute: number): number {
    const wall = day * DAY_MS + minute * MINUTE_MS;
    let offset = this.offsets.get(day);
    if (offset === undefined) {
      // Offset at local noon; the day is uniform when midnight and the end of day agree with it.
      const noon = day * DAY_MS + 12 * 3_600_000;
      const atNoon = offsetMs(noon - offsetMs(noon, this.timeZone), this.timeZone);
      const start = offsetMs(day * DAY_MS - atNoon, this.timeZone);
      const end = offsetMs(day * DAY_MS + DAY_MS - 1 - atNoon, this.timeZone);
      offset = start === atNoon && end === atNoon ? atNoon : null;
      this.offsets.set(day, offset);
    }
    if (offset !== null) return wall - offset;
    // A day with a DST change: exact two-step lookup.
    const first = wall - offsetMs(wall, this.timeZone);
    return wall - offsetMs(first, this.timeZone);
  }
}

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const datePrefixes = new Map<number, string>();

/** `new Date(ms).toISOString()` for whole seconds, without its cost (it runs ~300k times). */
function isoInstant(ms: number): string {
  if (ms % 1000 !== 0) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  let prefix = datePrefixes.get(day);
  if (prefix === undefined) {
    prefix = `${isoOf(day)}T`;
    datePrefixes.set(day, prefix);
  }
  const seconds = (ms - day * DAY_MS) / 1000;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${prefix}${TWO[h]}:${TWO[m]}:${TWO[seconds % 60]}.000Z`;
}

// =============================================================================================
// The simulation

type Slot = DemoMemberTraits['preferredSlot'];

interface Contract {
  plan: DemoPlan;
  start: number;
  /** Last covered day; undefined while a month-to-month contract runs past the horizon. */
  end?: number;
  /** Day the member asked to cancel (month-to-month). */
  cancelRequest?: number;
  outcome: 'open' | 'renewed' | 'switched' | 'churned';
  cancelReason?: string;
}

interface MemberSim {
  index: number;
  key: string;
  member: DemoMember;
  age: number;
  traits: DemoMemberTraits;
  classShare: number;
  paymentMethod: DemoPaymentMethod;
  checkinMethod: DemoCheckin['method'];
  contracts: Contract[];
  /** Day after the last covered day, when the member leaves before the horizon. */
  leaveDay?: number;
  frozen?: { from: number; until: number };
  favourite: Set<string>;
}

interface SessionSim {
  session: DemoSession;
  day: number;
  startMs: number;
  /** Local start, minutes after midnight. */
  startMinute: number;
  requests: BookingRequest[];
  cancelledByGym: boolean;
}

interface BookingRequest {
  member: MemberSim;
  bookedAt: number;
  /** What the member means to do: come, not come, or cancel at `cancelAt`. */
  outcome: 'attend' | 'no_show' | 'cancel';
  cancelAt?: number;
  source: DemoBooking['source'];
}

/** Relative visits by weekday (Sunday first): Monday is the busiest day, Sunday the quietest. */
const WEEKDAY_WEIGHT = [0.3, 1.3, 1.25, 1.2, 1.1, 0.9, 0.55];
const WEEKDAY_WEIGHT_SUM = WEEKDAY_WEIGHT.reduce((a, b) => a + b, 0);
/** Visits by month (January resolutions, winter dip in June-July, December holidays). */
const MONTH_VISITS = [1.12, 1.05, 1.12, 1.05, 1.0, 0.9, 0.88, 0.98, 1.02, 1.04, 1.0, 0.82];
/** New sign-ups by month. */
const MONTH_SIGNUPS = [1.5, 1.2, 1.3, 1.0, 0.9, 0.7, 0.75, 1.0, 1.05, 1.1, 1.0, 0.55];

const SLOT_RANGES: Record<Slot, readonly [number, number, number]> = {
  morning: [330, 405, 570],
  midday: [660, 735, 870],
  afternoon: [870, 960, 1050],
  evening: [1050, 1125, 1335],
};
const SLOT_MIX = new Weighted<Slot>([
  ['morning', 0.28],
  ['midday', 0.17],
  ['afternoon', 0.12],
  ['evening', 0.43],
]);

const PAYMENT_METHODS = new Weighted<DemoPaymentMethod>([
  ['pix', 45],
  ['credit_card', 35],
  ['debit_card', 10],
  ['cash', 4],
  ['boleto', 6],
]);
const CHECKIN_METHODS = new Weighted<DemoCheckin['method']>([
  ['qr', 55],
  ['card', 35],
  ['manual', 10],
]);
const BOOKING_SOURCES = new Weighted<DemoBooking['source']>([
  ['app', 72],
  ['kiosk', 10],
  ['staff', 18],
]);
const CANCEL_REASON = new Weighted(CANCEL_REASONS);

const CLASS_TASTE: Record<'female' | 'male', readonly (readonly [string, number])[]> = {
  female: [
    ['zumba', 3],
    ['pilates', 3],
    ['yoga', 2.5],
    ['ritmos', 2.5],
    ['funcional', 2.5],
    ['spinning', 2.5],
    ['jump', 2],
    ['alongamento', 1.5],
    ['hiit', 1.5],
    ['musculacao-guiada', 1],
    ['muay-thai', 0.8],
  ],
  male: [
    ['funcional', 3.5],
    ['spinning', 3],
    ['hiit', 2.5],
    ['muay-thai', 2.5],
    ['musculacao-guiada', 2],
    ['yoga', 1],
    ['alongamento', 1],
    ['jump', 0.8],
    ['pilates', 0.7],
    ['zumba', 0.5],
    ['ritmos', 0.4],
  ],
};

const planByKey = (key: string): DemoPlan => {
  const plan = DEMO_PLANS.find((p) => p.key === key);
  if (plan === undefined) throw new Error(`unknown plan ${key}`);
  return plan;
};

/** How many days after `today` the contract simulation runs, to know who is about to leave. */
const LOOKAHEAD_DAYS = 60;
const DECLINE_DAYS = 56;

/**
 * Generates one unit's demo data. Deterministic: the same spec gives deep-equal output.
 *
 * @throws {Error} when the spec is out of range (no members, months outside 1-60, bad date or zone).
 */
export function generateDemoUnit(spec: DemoUnitSpec): DemoUnitData {
  validateSpec(spec);
  const clock = new ZoneClock(spec.timeZone);
  const today = dayOf(spec.today);
  const from = addMonths(today, -spec.months);
  const sessionsUntil = today + 13;
  const days: DayInfo[] = [];
  for (let day = from; day <= sessionsUntil; day++) {
    const date = isoOf(day);
    const plan = unitDay(date);
    const hours = plan.open ? plan.hours : 'sun';
    days.push({
      day,
      date,
      compact: date.replaceAll('-', ''),
      monthIndex:
        (Number(date.slice(0, 4)) - Number(isoOf(from).slice(0, 4))) * 12 + monthOf(day) - monthOf(from),
      month: monthOf(day),
      weekday: weekdayOf(day),
      openMinute: minutesOf(OPENING_HOURS[hours].opens),
      lastEntryMinute: minutesOf(OPENING_HOURS[hours].closes) - 30,
      open: plan.open,
      hours,
      holiday: plan.open && plan.holiday,
      sessions: [],
    });
  }
  const nowMs = clock.utcMs(today, 0);
  const windowStartMs = clock.utcMs(from, 0);
  const horizon = today + LOOKAHEAD_DAYS;

  const trainers = makeTrainers(spec);
  const timetable = makeTimetable(trainers);
  const people = makePeople(spec, today);

  // --- Contracts: who is a member when.
  const joinerShare = Math.min(0.6, 0.03 * spec.months);
  const sims: MemberSim[] = people.map((person, index) => {
    const rng = new Rng(spec.seed, `contracts/${index}`);
    const joiner = rng.chance(joinerShare);
    for (let attempt = 0; ; attempt++) {
      const traits = makeTraits(rng, person);
      let signup: number;
      if (joiner) {
        do signup = rng.int(from, today - 1);
        while (!rng.chance((MONTH_SIGNUPS[monthOf(signup)] ?? 1) / 1.5));
      } else {
        const tenureMonths = Math.min(72, -Math.log(1 - rng.next()) * 20);
        signup = from - Math.max(1, Math.round(tenureMonths * 30.4));
      }
      // Nobody signs up before turning 16.
      signup = Math.min(today - 1, Math.max(signup, addMonths(dayOf(person.birthDate), 16 * 12)));
      const contracts = simulateContracts(rng, traits, person.age, signup, horizon);
      const last = contracts[contracts.length - 1];
      const covered = last?.end === undefined ? horizon : last.end;
      // Everyone must hold a membership at some point in the window; long-time members must still
      // be members when it opens (survivors of a long tenure are the loyal ones, as in real gyms).
      if (covered >= from || attempt > 200) {
        return finishMember(rng, spec, person, index, traits, contracts, signup, today);
      }
    }
  });

  freezeSome(spec, sims, today);

  // --- Sessions.
  const sessionSims: SessionSim[] = [];
  const trainerName = new Map(trainers.map((t) => [t.key, t.name]));
  const sessionRng = new Rng(spec.seed, 'sessions');
  for (const info of days) {
    const { day, date } = info;
    if (!info.open) continue;
    for (const slot of timetable.filter((s) => s.day === info.hours)) {
      const type = CLASS_TYPE.get(slot.classTypeKey);
      if (type === undefined) continue;
      const startMinute = minutesOf(slot.time);
      const startMs = clock.utcMs(day, startMinute);
      const past = startMs < nowMs;
      const cancelledByGym = past && sessionRng.chance(0.007);
      const session: DemoSession = {
        key: `s-${info.compact}-${slot.time.replace(':', '')}-${ROOM_SLUG[slot.room] ?? 'sala'}`,
        date,
        localTime: slot.time,
        classTypeKey: type.key,
        title: type.name,
        startsAt: isoInstant(startMs),
        endsAt: isoInstant(startMs + type.durationMin * MINUTE_MS),
        timeZone: spec.timeZone,
        room: slot.room,
        trainerKey: slot.trainerKey,
        trainerName: trainerName.get(slot.trainerKey) ?? '',
        capacity: slot.capacity,
        status: cancelledByGym ? 'cancelled' : past ? 'completed' : 'scheduled',
        bookings: [],
        waitlist: [],
      };
      const sim: SessionSim = { session, day, startMs, startMinute, requests: [], cancelledByGym };
      info.sessions.push(sim);
      sessionSims.push(sim);
    }
  }

  // --- Visits, class intents and check-ins, member by member.
  const checkins: TimedCheckin[] = [];
  for (const sim of sims) {
    simulateVisits(spec, sim, clock, { from, today, sessionsUntil, nowMs, windowStartMs, days }, checkins);
  }

  // --- Seat the booking requests in time order: capacity, cancellations, waitlists.
  for (const sessionSim of sessionSims) seatSession(sessionSim, nowMs, spec.seed);

  // --- Memberships and payments.
  const memberships: DemoMembership[] = [];
  const payments: DemoPayment[] = [];
  for (const sim of sims) {
    emitContracts(spec, sim, clock, { from, today, nowMs }, memberships, payments);
  }

  checkins.sort((a, b) => a.ms - b.ms || (a.checkin.key < b.checkin.key ? -1 : 1));
  payments.sort((a, b) =>
    a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  const sessions = sessionSims
    .map((s) => s.session)
    .sort((a, b) => (a.startsAt < b.startsAt ? -1 : a.startsAt > b.startsAt ? 1 : a.key < b.key ? -1 : 1));

  return {
    unit: {
      unitId: spec.unitId,
      name: spec.name,
      city: spec.city,
      state: spec.state,
      timeZone: spec.timeZone,
      currency: 'BRL',
      maxOccupancy: Math.max(60, Math.round(spec.members / 8 / 10) * 10),
      openingHours: structuredClone(OPENING_HOURS),
    },
    window: { from: isoOf(from), today: spec.today, sessionsUntil: isoOf(sessionsUntil) },
    plans: DEMO_PLANS.map((p) => ({ ...p })),
    classTypes: DEMO_CLASS_TYPES.map((t) => ({ ...t })),
    trainers,
    timetable,
    members: sims.map((s) => s.member),
    memberships,
    payments,
    sessions,
    checkins: checkins.map((c) => c.checkin),
  };
}

interface TimedCheckin {
  ms: number;
  checkin: DemoCheckin;
}

function validateSpec(spec: DemoUnitSpec): void {
  if (!Number.isInteger(spec.members) || spec.members < 1 || spec.members > 100_000) {
    throw new Error('demo: members must be a whole number from 1 to 100000');
  }
  if (!Number.isInteger(spec.months) || spec.months < 1 || spec.months > 60) {
    throw new Error('demo: months must be a whole number from 1 to 60');
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(spec.today) || Number.isNaN(dayOf(spec.today))) {
    throw new Error('demo: today must be a date like 2026-11-25');
  }
  if (!/^[A-Z]{2}$/.test(spec.state)) throw new Error('demo: state must be a code like SP');
  new Intl.DateTimeFormat('en', { timeZone: spec.timeZone }); // throws RangeError on a bad zone
}

// --- Trainers and timetable ----------------------------------------------------------------

function makeTrainers(spec: DemoUnitSpec): DemoTrainer[] {
  const rng = new Rng(spec.seed, 'trainers');
  const count = 1 + Math.max(...Object.values(TIMETABLE_TEMPLATE).flatMap((day) => day.map((s) => s[3])));
  const used = new Set<string>();
  const trainers: DemoTrainer[] = [];
  for (let i = 0; i < count; i++) {
    const specialties = [
      ...new Set(
        Object.values(TIMETABLE_TEMPLATE).flatMap((day) => day.filter((s) => s[3] === i).map((s) => s[1])),
      ),
    ];
    // Dance and mind-body classes are mostly taught by women in Brazilian gyms; fighting by men.
    const femaleLeaning = specialties.some((s) => ['zumba', 'ritmos', 'pilates', 'yoga'].includes(s));
    const gender = rng.chance(femaleLeaning ? 0.75 : specialties.includes('muay-thai') ? 0.2 : 0.45)
      ? 'female'
      : 'male';
    let name: string;
    do name = fullName(rng, gender, 1990, false);
    while (used.has(name));
    used.add(name);
    trainers.push({ key: `t${String(i + 1).padStart(2, '0')}`, name, specialties });
  }
  return trainers;
}

function makeTimetable(trainers: DemoTrainer[]): TimetableSlot[] {
  const slots: TimetableSlot[] = [];
  for (const day of WEEKDAYS) {
    for (const [time, classTypeKey, room, trainer] of TIMETABLE_TEMPLATE[day]) {
      const type = CLASS_TYPE.get(classTypeKey);
      const trainerKey = trainers[trainer]?.key;
      if (type === undefined || trainerKey === undefined)
        throw new Error(`timetable: bad slot ${day} ${time}`);
      slots.push({ day, time, classTypeKey, room, trainerKey, capacity: type.defaultCapacity });
    }
  }
  return slots;
}

// --- People ------------------------------------------------------------------------------------

interface Person {
  name: string;
  gender: DemoGender;
  birthDate: string;
  age: number;
  birthYear: number;
  document: string;
  phone: string;
  email: string;
  region: string;
  consent: { marketing: boolean; imageAnalytics: boolean };
}

const nameTables = new Map<string, Weighted<string>>();

function firstNames(gender: 'female' | 'male', birthYear: number): Weighted<string> {
  const generation = birthYear < 1975 ? 'o' : birthYear < 1995 ? 'm' : 'y';
  const cacheKey = `${gender}/${generation}`;
  let table = nameTables.get(cacheKey);
  if (table === undefined) {
    const source = gender === 'female' ? FEMALE_NAMES : MALE_NAMES;
    table = new Weighted(
      source.map(([name, weight, era]) => [
        name,
        weight *
          (era === generation
            ? 3
            : era === 'a'
              ? 1.5
              : Math.abs(eraRank(era) - eraRank(generation)) === 1
                ? 0.6
                : 0.1),
      ]),
    );
    nameTables.set(cacheKey, table);
  }
  return table;
}

function eraRank(era: 'o' | 'm' | 'y' | 'a'): number {
  return era === 'o' ? 0 : era === 'm' ? 1 : 2;
}

const SURNAME_TABLE = new Weighted(SURNAMES.map((entry) => [entry, entry[1]] as const));

/** `Maria Conceição Gonçalves`, `João Pedro da Silva`, `Ana Paula Ribeiro Costa`. */
function fullName(rng: Rng, gender: 'female' | 'male', birthYear: number, allowParticles = true): string {
  const first = firstNames(gender, birthYear).pick(rng);
  const count = rng.chance(0.55) ? 2 : 1;
  const surnames: (readonly [string, number, string?])[] = [];
  while (surnames.length < count) {
    const surname = SURNAME_TABLE.pick(rng);
    if (!surnames.includes(surname)) surnames.push(surname);
  }
  const parts = [first];
  surnames.forEach(([surname, , particle], i) => {
    const isLast = i === surnames.length - 1;
    if (allowParticles && particle !== undefined && rng.chance(isLast ? 0.35 : 0.15)) parts.push(particle);
    parts.push(surname);
  });
  return parts.join(' ');
}

function makePeople(spec: DemoUnitSpec, today: number): Person[] {
  const cityKey = foldText(spec.city);
  const ddd = CITY_DDD[cityKey] ?? STATE_DDD[spec.state] ?? 11;
  const cpfRegion = CPF_REGION[spec.state] ?? 8;
  const neighbourhoods = new Rng(spec.seed, 'neighbourhoods').shuffle([
    ...(NEIGHBOURHOODS[cityKey] ?? DEFAULT_NEIGHBOURHOODS),
  ]);
  // The unit's own and nearby neighbourhoods send most members.
  const regionTable = new Weighted(neighbourhoods.map((n, rank) => [n, 1 / (rank + 1) ** 1.1] as const));
  const todayYear = new Date(today * DAY_MS).getUTCFullYear();

  const cpfs = new Set<string>();
  const phones = new Set<string>();
  const emails = new Set<string>();
  const people: Person[] = [];
  for (let index = 0; index < spec.members; index++) {
    const rng = new Rng(spec.seed, `person/${index}`);
    const g = rng.next();
    const gender: DemoGender = g < 0.53 ? 'female' : g < 0.99 ? 'male' : 'other';
    // Ages 16-75: most between 20 and 45.
    const a = rng.next();
    const age =
      a < 0.1
        ? rng.int(16, 19)
        : a < 0.82
          ? Math.floor(rng.triangular(20, 28, 46))
          : Math.floor(rng.triangular(46, 46, 76));
    const birthDay = addMonths(today, -12 * age) - rng.int(1, 364);
    const birthDate = isoOf(birthDay);
    const birthYear = Number(birthDate.slice(0, 4));
    const nameGender = gender === 'other' ? (rng.chance(0.5) ? 'female' : 'male') : gender;
    const name = fullName(rng, nameGender, birthYear);

    let document: string;
    do {
      let base = '';
      for (let i = 0; i < 8; i++) base += String(rng.int(0, 9));
      base += String(rng.chance(0.85) ? cpfRegion : rng.int(0, 9));
      document = cpfFromBase(base);
    } while (cpfs.has(document) || /^(\d)\1{10}$/.test(document));
    cpfs.add(document);

    let phone: string;
    do
      phone = `(${ddd}) 9${rng.int(6, 9)}${String(rng.int(0, 999)).padStart(3, '0')}-${String(rng.int(0, 9999)).padStart(4, '0')}`;
    while (phones.has(phone));
    phones.add(phone);

    const email = makeEmail(rng, name, birthYear, todayYear, emails);
    people.push({
      name,
      gender,
      birthDate,
      age: todayYear - birthYear - (birthDate.slice(5) > isoOf(today).slice(5) ? 1 : 0),
      birthYear,
      document,
      phone,
      email,
      region: regionTable.pick(rng),
      consent: { marketing: rng.chance(0.62), imageAnalytics: rng.chance(0.38) },
    });
  }
  return people;
}

const DOMAINS_YOUNG = new Weighted(EMAIL_DOMAINS_YOUNG);
const DOMAINS_OLDER = new Weighted(EMAIL_DOMAINS_OLDER);
const PARTICLES = new Set(['da', 'de', 'do', 'dos', 'das']);

function makeEmail(rng: Rng, name: string, birthYear: number, todayYear: number, taken: Set<string>): string {
  const words = foldText(name)
    .replace(/[^a-z ]/g, '')
    .split(' ')
    .filter((w) => w.length > 0 && !PARTICLES.has(w));
  const first = words[0] ?? 'aluno';
  const last = words[words.length - 1] ?? 'academia';
  const middle = words.length > 2 ? words[1] : undefined;
  const yy = String(birthYear % 100).padStart(2, '0');
  const patterns = [
    `${first}.${last}`,
    `${first}${last}`,
    `${first}_${last}`,
    `${first}.${last}${yy}`,
    `${first}${last}${rng.int(1, 99)}`,
    `${first.charAt(0)}${last}`,
    middle !== undefined ? `${first}.${middle}.${last}` : `${first}.${last}.${yy}`,
    `${first}${birthYear}`,
  ];
  const domain = (todayYear - birthYear < 35 ? DOMAINS_YOUNG : DOMAINS_OLDER).pick(rng);
  let local = rng.pick(patterns);
  let email = `${local}@${domain}`;
  while (taken.has(email)) {
    local = `${first}.${last}${rng.int(1, 999)}`;
    email = `${local}@${domain}`;
  }
  taken.add(email);
  return email;
}

// --- Behaviour and contracts ----------------------------------------------------------------

function makeTraits(rng: Rng, person: Person): DemoMemberTraits {
  // Log-normal around 2.3 visits a week, kept to 0.5-5.
  const visitsPerWeek = Math.round(Math.min(5, Math.max(0.5, 2.3 * Math.exp(0.45 * rng.normal()))) * 10) / 10;
  const slotWeights: [Slot, number][] =
    person.age >= 55
      ? [
          ['morning', 0.45],
          ['midday', 0.15],
          ['afternoon', 0.25],
          ['evening', 0.15],
        ]
      : [
          ['morning', 0.28],
          ['midday', 0.17],
          ['afternoon', 0.1],
          ['evening', 0.45],
        ];
  const preferredSlot = new Weighted(slotWeights).pick(rng);
  const takesClasses = rng.chance(person.gender === 'male' ? 0.28 : 0.45);
  const taste = new Weighted(CLASS_TASTE[person.gender === 'male' ? 'male' : 'female']);
  const favourites = new Set<string>();
  const wanted = rng.int(2, 3);
  while (favourites.size < wanted) favourites.add(taste.pick(rng));
  return { visitsPerWeek, preferredSlot, takesClasses, favouriteClassTypes: [...favourites] };
}

function firstPlan(rng: Rng, traits: DemoMemberTraits, age: number): DemoPlan {
  const weights: [string, number][] = [
    ['mensal', 42],
    ['trimestral', 10],
    ['semestral', 10],
    ['anual', age >= 35 ? 22 : 15],
    ['black', traits.takesClasses ? 16 : 9],
    ['aulas', traits.takesClasses ? 14 : 0],
  ];
  return planByKey(new Weighted(weights).pick(rng));
}

/**
 * Monthly chance that a month-to-month member cancels: high in the first months, for members who
 * rarely come, and for the young; lower for class-goers and Black members.
 */
function monthlyHazard(traits: DemoMemberTraits, age: number, tenureMonths: number, plan: DemoPlan): number {
  const tenure =
    tenureMonths < 3
      ? 1.9
      : tenureMonths < 6
        ? 1.4
        : tenureMonths < 12
          ? 1.1
          : tenureMonths < 24
            ? 0.85
            : 0.65;
  const attendance = Math.min(2.4, Math.max(0.45, (2.4 / traits.visitsPerWeek) ** 0.9));
  const ageFactor = age < 25 ? 1.2 : age > 50 ? 0.8 : 1;
  const classes = traits.takesClasses ? 0.8 : 1;
  const black = plan.key === 'black' ? 0.85 : 1;
  return 0.043 * tenure * attendance * ageFactor * classes * black;
}

/**
 * Chance that a fixed-term member renews at the end of the term. Per month of contract, term plans
 * lose fewer members than month-to-month ones (about 3%, 2.5% and 2% a month for 3, 6 and 12 months).
 */
function renewalChance(traits: DemoMemberTraits, plan: DemoPlan): number {
  const base = plan.billingPeriod === 'annual' ? 0.78 : plan.billingPeriod === 'semiannual' ? 0.86 : 0.91;
  const attendance = (traits.visitsPerWeek / 2.4) ** 0.3;
  return Math.min(0.97, Math.max(0.3, base * attendance * (traits.takesClasses ? 1.03 : 1)));
}

function simulateContracts(
  rng: Rng,
  traits: DemoMemberTraits,
  age: number,
  signup: number,
  horizon: number,
): Contract[] {
  const contracts: Contract[] = [];
  let plan = firstPlan(rng, traits, age);
  let start = signup;
  while (start <= horizon) {
    const months = BILLING_MONTHS[plan.billingPeriod];
    if (months === 1) {
      let k = 0;
      for (;;) {
        const periodStart = addMonths(start, k);
        if (periodStart > horizon) {
          contracts.push({ plan, start, outcome: 'open' });
          return contracts;
        }
        const tenure = (periodStart - signup) / 30.4;
        const end = addMonths(start, k + 1) - 1;
        if (rng.chance(monthlyHazard(traits, age, tenure, plan))) {
          const cancelRequest = Math.max(periodStart, end - rng.int(3, 25));
          contracts.push({
            plan,
            start,
            end,
            cancelRequest,
            outcome: 'churned',
            cancelReason: CANCEL_REASON.pick(rng),
          });
          return contracts;
        }
        if (tenure >= 2 && rng.chance(0.006)) {
          // Moves to a longer, cheaper contract ("troca de plano").
          contracts.push({
            plan,
            start,
            end,
            cancelRequest: Math.max(periodStart, end - rng.int(1, 10)),
            outcome: 'switched',
            cancelReason: 'Troca de plano',
          });
          plan = planByKey(rng.chance(0.7) ? 'anual' : 'semestral');
          start = end + 1;
          break;
        }
        k++;
      }
      continue;
    }
    const end = addMonths(start, months) - 1;
    if (end >= horizon) {
      contracts.push({ plan, start, end, outcome: 'open' });
      return contracts;
    }
    if (!rng.chance(renewalChance(traits, plan))) {
      contracts.push({ plan, start, end, outcome: 'churned' });
      return contracts;
    }
    contracts.push({ plan, start, end, outcome: 'renewed' });
    const next = rng.next();
    plan = next < 0.8 ? plan : next < 0.93 ? planByKey('mensal') : planByKey('black');
    start = end + 1;
  }
  return contracts;
}

function finishMember(
  rng: Rng,
  spec: DemoUnitSpec,
  person: Person,
  index: number,
  traits: DemoMemberTraits,
  contracts: Contract[],
  signup: number,
  today: number,
): MemberSim {
  const width = Math.max(4, String(spec.members).length);
  const key = `m${String(index + 1).padStart(width, '0')}`;
  const last = contracts[contracts.length - 1];
  const leaveDay = last?.outcome === 'churned' && last.end !== undefined ? last.end + 1 : undefined;
  const churned = leaveDay !== undefined && leaveDay <= today;
  if (leaveDay !== undefined && !churned) traits.leavesOn = isoOf(leaveDay);
  const member: DemoMember = {
    key,
    name: person.name,
    document: person.document,
    phone: person.phone,
    email: person.email,
    birthDate: person.birthDate,
    gender: person.gender,
    signupDate: isoOf(signup),
    region: person.region,
    consent: person.consent,
    status: churned ? 'inactive' : 'active',
    churned,
    traits,
  };
  if (churned && leaveDay !== undefined) member.churnedOn = isoOf(leaveDay);
  const onlyClasses = contracts.some((c) => c.plan.key === 'aulas');
  const sim: MemberSim = {
    index,
    key,
    member,
    age: person.age,
    traits,
    classShare: onlyClasses ? 1 : traits.takesClasses ? 0.35 + 0.45 * rng.next() : 0,
    paymentMethod: PAYMENT_METHODS.pick(rng),
    checkinMethod: CHECKIN_METHODS.pick(rng),
    contracts,
    favourite: new Set(traits.favouriteClassTypes),
  };
  if (leaveDay !== undefined) sim.leaveDay = leaveDay;
  return sim;
}

/** About 3% of the members holding a membership today have frozen it ("trancamento"). */
function freezeSome(spec: DemoUnitSpec, sims: MemberSim[], today: number): void {
  const rng = new Rng(spec.seed, 'freezes');
  for (const sim of sims) {
    const current = contractOn(sim, today);
    if (current === undefined || !rng.chance(0.03)) continue;
    const from = Math.max(current.start + 7, today - rng.int(3, 30));
    if (from > today) continue;
    sim.frozen = { from, until: today + rng.int(7, 45) };
  }
}

function contractOn(sim: MemberSim, day: number): Contract | undefined {
  for (const contract of sim.contracts) {
    if (contract.start <= day && (contract.end === undefined || day <= contract.end)) return contract;
  }
  return undefined;
}

// --- Visits -------------------------------------------------------------------------------

interface Window {
  from: number;
  today: number;
  sessionsUntil: number;
  nowMs: number;
  windowStartMs: number;
  /** One entry per day from `from` to `sessionsUntil`. */
  days: DayInfo[];
}

/** What every member's day loop needs about a date, computed once. */
interface DayInfo {
  day: number;
  date: string;
  compact: string;
  /** Months since the window opened, for counting class credits. */
  monthIndex: number;
  month: number;
  weekday: number;
  /** Local minutes: opening, and the last minute entry is allowed (30 min before closing). */
  openMinute: number;
  lastEntryMinute: number;
  open: boolean;
  hours: Weekday;
  holiday: boolean;
  sessions: SessionSim[];
}

/** Attendance multiplier: new members come more; leaving members fade over 8 weeks. */
function engagement(sim: MemberSim, day: number, signup: number): number {
  let factor = 1;
  const sinceSignup = day - signup;
  if (sinceSignup < 30) factor *= 1.3;
  else if (sinceSignup < 60) factor *= 1.1;
  if (sim.leaveDay !== undefined) {
    const left = sim.leaveDay - day;
    if (left < DECLINE_DAYS) factor *= 0.15 + (0.85 * Math.max(0, left)) / DECLINE_DAYS;
  }
  return factor;
}

function visitChance(sim: MemberSim, info: DayInfo, signup: number): number {
  const p =
    ((sim.traits.visitsPerWeek * (WEEKDAY_WEIGHT[info.weekday] ?? 1)) / WEEKDAY_WEIGHT_SUM) *
    (MONTH_VISITS[info.month] ?? 1) *
    engagement(sim, info.day, signup) *
    (info.holiday ? 0.5 : 1);
  return Math.min(0.95, p);
}

function creditsPerMonth(plan: DemoPlan): number {
  if (plan.classCredits === undefined) return Number.POSITIVE_INFINITY;
  return plan.classCredits / BILLING_MONTHS[plan.billingPeriod];
}

/** A session the member would pick that day, near the time they like, or undefined. */
function chooseSession(
  rng: Rng,
  sim: MemberSim,
  sessions: readonly SessionSim[],
  wantedMinute: number,
): SessionSim | undefined {
  let total = 0;
  for (let i = 0; i < sessions.length; i++) {
    const s = sessions[i] as SessionSim;
    const w =
      (sim.favourite.has(s.session.classTypeKey) ? 1 : 0.12) *
      Math.exp(-Math.abs(s.startMinute - wantedMinute) / 75);
    SCRATCH[i] = w;
    total += w;
  }
  if (total < 0.05) return undefined;
  let target = rng.next() * total;
  for (let i = 0; i < sessions.length; i++) {
    target -= SCRATCH[i] ?? 0;
    if (target <= 0) return sessions[i];
  }
  return sessions[sessions.length - 1];
}

const SCRATCH = new Float64Array(64);

/** How long before a class it was booked: a quarter the same day, half 1-3 days ahead, at most 7 days. */
function leadTimeMs(rng: Rng): number {
  const u = rng.next();
  const minutes =
    u < 0.25
      ? rng.int(30, 600)
      : u < 0.75
        ? rng.int(1, 3) * 1440 - rng.int(0, 600)
        : rng.int(4, 7) * 1440 - rng.int(0, 600);
  return minutes * MINUTE_MS + rng.int(0, 59) * 1000;
}

function preferredMinute(rng: Rng, sim: MemberSim, hours: Weekday): number {
  if (hours === 'sat') return rng.triangular(480, 600, 960);
  if (hours === 'sun') return rng.triangular(480, 570, 750);
  const slot = rng.chance(0.75) ? sim.traits.preferredSlot : SLOT_MIX.pick(rng);
  const [min, mode, max] = SLOT_RANGES[slot];
  return rng.triangular(min, mode, max);
}

function simulateVisits(
  spec: DemoUnitSpec,
  sim: MemberSim,
  clock: ZoneClock,
  window: Window,
  out: TimedCheckin[],
): void {
  const rng = new Rng(spec.seed, `visits/${sim.index}`);
  const signup = dayOf(sim.member.signupDate);
  const classesUsed = new Int32Array(spec.months + 2);
  const first = window.days[0]?.day ?? window.from;
  sim.contracts.forEach((contract, contractIndex) => {
    const membershipKey = `${sim.key}-c${contractIndex + 1}`;
    const credits = creditsPerMonth(contract.plan);
    const onlyClasses = contract.plan.key === 'aulas';
    const startAt = Math.max(0, contract.start - first);
    const endAt = Math.min(window.days.length - 1, (contract.end ?? window.sessionsUntil) - first);
    for (let i = startAt; i <= endAt; i++) {
      const info = window.days[i];
      if (info === undefined || !info.open) continue;
      const day = info.day;
      if (sim.frozen !== undefined && day >= sim.frozen.from && day <= sim.frozen.until) continue;
      const future = day >= window.today;
      const used = classesUsed[info.monthIndex] ?? 0;
      const classAllowed = sim.classShare > 0 && used < credits;
      const visits = rng.chance(visitChance(sim, info, signup));

      if (!visits) {
        // Some class-goers book and then cancel or simply do not come.
        if (!future && classAllowed && rng.chance(0.09 * sim.classShare * (sim.traits.visitsPerWeek / 7))) {
          const session = chooseSession(rng, sim, info.sessions, preferredMinute(rng, sim, info.hours));
          if (session !== undefined) {
            const request = bookingRequest(
              rng,
              session,
              window,
              rng.chance(0.55) ? 'no_show' : 'cancel',
              sim,
            );
            if (request !== undefined) {
              session.requests.push(request);
              classesUsed[info.monthIndex] = used + 1;
            }
          }
        }
        continue;
      }

      let minute = preferredMinute(rng, sim, info.hours);
      let classSession: SessionSim | undefined;
      if (classAllowed && rng.chance(sim.classShare))
        classSession = chooseSession(rng, sim, info.sessions, minute);
      if (classSession === undefined && onlyClasses) continue; // class-only plan and nothing to take

      if (classSession !== undefined) {
        const outcome = future ? (rng.chance(0.1) ? 'cancel' : 'attend') : 'attend';
        const request = bookingRequest(rng, classSession, window, outcome, sim);
        if (request !== undefined) {
          classSession.requests.push(request);
          classesUsed[info.monthIndex] = used + 1;
        } else if (onlyClasses) continue;
        minute = classSession.startMinute - rng.int(5, 25);
      }
      if (future) continue; // no check-ins yet for today and after
      const entryMinute = Math.min(info.lastEntryMinute, Math.max(info.openMinute, Math.floor(minute)));
      const ms = clock.utcMs(day, entryMinute) + rng.int(0, 59) * 1000;
      out.push({
        ms,
        checkin: {
          key: `ci-${info.compact}-${sim.key}`,
          memberKey: sim.key,
          membershipKey,
          date: info.date,
          at: isoInstant(ms),
          method: rng.chance(0.85) ? sim.checkinMethod : CHECKIN_METHODS.pick(rng),
        },
      });
    }
  });
}

/** When the booking was made (and cancelled); undefined when it would be made after "now". */
function bookingRequest(
  rng: Rng,
  session: SessionSim,
  window: Window,
  outcome: BookingRequest['outcome'],
  member: MemberSim,
): BookingRequest | undefined {
  const bookedAt = Math.max(window.windowStartMs, session.startMs - leadTimeMs(rng));
  if (bookedAt >= window.nowMs) return undefined;
  const request: BookingRequest = { member, bookedAt, outcome, source: BOOKING_SOURCES.pick(rng) };
  if (outcome === 'cancel') {
    const cancelAt = bookedAt + Math.floor(rng.next() * 0.9 * (session.startMs - bookedAt));
    if (cancelAt >= window.nowMs) request.outcome = 'attend';
    else request.cancelAt = cancelAt;
  }
  return request;
}

/**
 * Replays a session's booking requests in time order: places go first come first served, a full
 * session puts people on a short waitlist, and each cancellation promotes the first in line.
 */
function seatSession(sim: SessionSim, nowMs: number, seed: number): void {
  const session = sim.session;
  const past = sim.startMs < nowMs;
  type Event = { at: number; request: BookingRequest; cancel: boolean };
  const events: Event[] = [];
  for (const request of sim.requests) {
    events.push({ at: request.bookedAt, request, cancel: false });
    if (request.cancelAt !== undefined) events.push({ at: request.cancelAt, request, cancel: true });
  }
  events.sort(
    (a, b) =>
      a.at - b.at ||
      (a.cancel === b.cancel ? a.request.member.index - b.request.member.index : a.cancel ? 1 : -1),
  );

  const bookings = new Map<MemberSim, DemoBooking & { request: BookingRequest }>();
  const waitlist: (DemoWaitlistEntry & { request: BookingRequest })[] = [];
  let seated = 0;
  for (const event of events) {
    const member = event.request.member;
    if (!event.cancel) {
      if (bookings.has(member) || waitlist.some((w) => w.request.member === member)) continue;
      if (seated < session.capacity) {
        bookings.set(member, {
          key: `bk-${member.key}`,
          memberKey: member.key,
          status: 'booked',
          bookedAt: isoInstant(event.at),
          source: event.request.source,
          request: event.request,
        });
        seated++;
      } else if (waitlist.filter((w) => w.status === 'waiting').length < 5) {
        waitlist.push({
          key: `wl-${member.key}`,
          memberKey: member.key,
          joinedAt: isoInstant(event.at),
          status: 'waiting',
          request: event.request,
        });
      }
      continue;
    }
    const booking = bookings.get(member);
    if (booking !== undefined && booking.status === 'booked') {
      booking.status = 'cancelled';
      booking.cancelledAt = isoInstant(event.at);
      seated--;
      const next = waitlist.find((w) => w.status === 'waiting' && w.request.cancelAt === undefined);
      if (next !== undefined) {
        next.status = 'promoted';
        bookings.set(next.request.member, {
          key: `bk-${next.memberKey}`,
          memberKey: next.memberKey,
          status: 'booked',
          bookedAt: isoInstant(event.at),
          source: 'app',
          request: next.request,
        });
        seated++;
      }
      continue;
    }
    const waiting = waitlist.find((w) => w.request.member === member && w.status === 'waiting');
    if (waiting !== undefined) waiting.status = 'left';
  }

  const rng = new Rng(seed, `seat/${session.key}`);
  for (const booking of bookings.values()) {
    if (sim.cancelledByGym && booking.status === 'booked') {
      booking.status = 'cancelled';
      const notice = sim.startMs - rng.int(60, 240) * MINUTE_MS;
      booking.cancelledAt = isoInstant(Math.max(Date.parse(booking.bookedAt), notice));
    } else if (past && booking.status === 'booked') {
      booking.status = booking.request.outcome === 'no_show' ? 'no_show' : 'attended';
    }
    const { request: _request, ...plain } = booking;
    session.bookings.push(plain);
  }
  for (const entry of waitlist) {
    if (past && entry.status === 'waiting') entry.status = 'left';
    const { request: _request, ...plain } = entry;
    session.waitlist.push(plain);
  }
  session.bookings.sort((a, b) =>
    a.bookedAt < b.bookedAt ? -1 : a.bookedAt > b.bookedAt ? 1 : a.key < b.key ? -1 : 1,
  );
}

// --- Memberships and payments ---------------------------------------------------------------

/** The price a plan sold for on `day`: the chain raises prices about 7% a year (x9,90 endings). */
function priceOn(plan: DemoPlan, day: number, today: number): number {
  const years = Math.max(0, Math.floor((today - day) / 365.25));
  const months = BILLING_MONTHS[plan.billingPeriod];
  const perMonth = plan.priceCents / months;
  if (years === 0) return plan.priceCents;
  const deflated = Math.round((perMonth * 0.93 ** years) / 1000) * 1000 - 10;
  return deflated * months;
}

function emitContracts(
  spec: DemoUnitSpec,
  sim: MemberSim,
  clock: ZoneClock,
  window: { from: number; today: number; nowMs: number },
  memberships: DemoMembership[],
  payments: DemoPayment[],
): void {
  const rng = new Rng(spec.seed, `payments/${sim.index}`);
  const { today, from, nowMs } = window;
  sim.contracts.forEach((contract, i) => {
    if (contract.start > today) return; // starts after "now": not known yet
    const key = `${sim.key}-c${i + 1}`;
    const price = priceOn(contract.plan, contract.start, today);
    const months = BILLING_MONTHS[contract.plan.billingPeriod];
    const recurring = months === 1;
    const membership: DemoMembership = {
      key,
      memberKey: sim.key,
      planKey: contract.plan.key,
      status: 'active',
      startDate: isoOf(contract.start),
      priceCents: price,
      autoRenew: recurring || rng.chance(0.25),
    };
    const ended = contract.end !== undefined && contract.end < today;
    const requestKnown = contract.cancelRequest !== undefined && contract.cancelRequest < today;
    if (ended) {
      if (recurring || contract.outcome === 'switched') {
        membership.status = 'cancelled';
        membership.endDate = isoOf(contract.end as number);
        membership.autoRenew = false;
        const requestDay = contract.cancelRequest ?? (contract.end as number) - 5;
        membership.cancelledAt = isoInstant(clock.utcMs(requestDay, rng.int(8 * 60, 20 * 60)));
        if (contract.cancelReason !== undefined) membership.cancelReason = contract.cancelReason;
      } else {
        membership.status = 'expired';
        membership.endDate = isoOf(contract.end as number);
      }
    } else if (!recurring && contract.end !== undefined) {
      membership.endDate = isoOf(contract.end);
    } else if (requestKnown && contract.end !== undefined) {
      // Asked to cancel; still covered until the end of the paid month.
      membership.endDate = isoOf(contract.end);
      membership.autoRenew = false;
    }
    if (sim.frozen !== undefined && contractOn(sim, today) === contract) {
      membership.status = 'frozen';
      membership.frozenFrom = isoOf(sim.frozen.from);
      membership.frozenUntil = isoOf(sim.frozen.until);
    }
    memberships.push(membership);

    // One payment per billing period that falls in the window.
    const lastDay = Math.min(contract.end ?? today, today);
    const unpaidEnd =
      contract.outcome === 'churned' && contract.cancelReason === 'Questões financeiras' && rng.chance(0.45);
    for (let k = 0; ; k++) {
      const due = addMonths(contract.start, k * months);
      if (due > lastDay) break;
      if (due < from) continue;
      if (sim.frozen !== undefined && due >= sim.frozen.from && due <= sim.frozen.until) continue;
      const isLast = addMonths(contract.start, (k + 1) * months) > lastDay;
      const method = k === 0 || rng.chance(0.85) ? sim.paymentMethod : PAYMENT_METHODS.pick(rng);
      const payment: DemoPayment = {
        key: `${key}-p${String(k + 1).padStart(3, '0')}`,
        memberKey: sim.key,
        membershipKey: key,
        amountCents: price,
        currency: 'BRL',
        service: SERVICE_OF_PLAN[contract.plan.key] ?? 'Mensalidade',
        method,
        status: 'paid',
        dueDate: isoOf(due),
        timeZone: spec.timeZone,
      };
      if ((isLast && unpaidEnd && ended) || (due < today - 3 && rng.chance(0.008))) {
        payment.status = 'failed';
      } else {
        const paidAt = paymentTime(rng, clock, due, method, k === 0);
        if (paidAt >= nowMs) payment.status = 'pending';
        else payment.paidAt = isoInstant(paidAt);
      }
      payments.push(payment);
    }
  });
}

/** When a charge is paid: card renewals in the night batch, pix the same day, boleto days later. */
function paymentTime(
  rng: Rng,
  clock: ZoneClock,
  due: number,
  method: DemoPaymentMethod,
  atSale: boolean,
): number {
  if (atSale) return clock.utcMs(due, rng.int(7 * 60, 21 * 60)) + rng.int(0, 59) * 1000;
  switch (method) {
    case 'credit_card':
      return clock.utcMs(due, rng.int(3 * 60, 6 * 60)) + rng.int(0, 59) * 1000;
    case 'pix':
      return (
        clock.utcMs(due + (rng.chance(0.8) ? 0 : rng.int(1, 3)), rng.int(7 * 60, 22 * 60)) +
        rng.int(0, 59) * 1000
      );
    case 'boleto':
      return clock.utcMs(due + rng.int(1, 4), rng.int(9 * 60, 17 * 60)) + rng.int(0, 59) * 1000;
    default:
      return (
        clock.utcMs(due + (rng.chance(0.7) ? 0 : rng.int(1, 4)), rng.int(7 * 60, 21 * 60)) +
        rng.int(0, 59) * 1000
      );
  }
}
