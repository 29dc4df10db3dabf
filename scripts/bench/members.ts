import { cpfFromBase } from '../../apps/edge/src/domain/cpf.ts';

/**
 * Deterministic member data: member `i` is always the same person, so the dataset builder, the
 * search queries and the peers all agree without sharing files. Names are Brazilian-looking and may
 * repeat (as in real life); CPFs are valid and unique per index.
 */

const FIRST: readonly string[] = (
  'Ana|Maria|João|José|Antônio|Francisco|Carlos|Paulo|Pedro|Lucas|Luiz|Marcos|Luís|Gabriel|' +
  'Rafael|Daniel|Marcelo|Bruno|Eduardo|Felipe|Juliana|Mariana|Fernanda|Patrícia|Aline|' +
  'Camila|Amanda|Bruna|Jéssica|Letícia|Júlia|Luana|Beatriz|Larissa|Adriana|Vanessa|' +
  'Ana Paula|Ana Clara|Maria Eduarda|Anderson|Thiago|Gustavo|Rodrigo|Vitória|Sofia|Helena|' +
  'Alice|Laura|Valentina|Isabela'
).split('|');

const LAST: readonly string[] = (
  'Silva|Santos|Oliveira|Souza|Rodrigues|Ferreira|Alves|Pereira|Lima|Gomes|Costa|Ribeiro|' +
  'Martins|Carvalho|Almeida|Lopes|Soares|Fernandes|Vieira|Barbosa|Rocha|Dias|Nascimento|' +
  'Andrade|Moreira|Nunes|Marques|Machado|Mendes|Freitas|Cardoso|Ramos|Gonçalves|Santana|' +
  'Teixeira|Araújo|Pinto|Correia'
).split('|');

const REGIONS = ['Centro', 'Zona Sul', 'Zona Norte', 'Zona Leste', 'Zona Oeste'] as const;
const GENDERS = ['female', 'male', 'other', 'undisclosed'] as const;

export type BenchGender = (typeof GENDERS)[number];

export interface BenchMember {
  readonly name: string;
  /** Lower-case, ASCII. */
  readonly email: string;
  /** 11 digits: area code 11 + 9 + 8 digits (stored as +55…). */
  readonly phoneDigits: string;
  /** 11 digits, valid check digits. */
  readonly cpf: string;
  readonly birthDate: string;
  readonly gender: BenchGender;
  readonly signupDate: string;
  readonly region: string;
  readonly status: 'active' | 'inactive';
  readonly consent: { readonly marketing: boolean; readonly imageAnalytics: boolean };
}

/** A small, fast integer hash (splitmix-like), so member i's traits look random but are fixed. */
function mix(i: number, salt: number): number {
  let x = (i + 0x9e3779b9 * (salt + 1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function pick<T>(list: readonly T[], i: number, salt: number): T {
  return list[mix(i, salt) % list.length] as T;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Lower-case ASCII letters only (for e-mail local parts). */
export function asciiFold(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** 0 → `A`, 25 → `Z`, 26 → `Ba`, …: a counter spelled in letters (names may hold letters only). */
export function letters(n: number): string {
  let out = '';
  let x = n;
  do {
    out = String.fromCharCode(97 + (x % 26)) + out;
    x = Math.floor(x / 26);
  } while (x > 0);
  return out.charAt(0).toUpperCase() + out.slice(1);
}

export function memberAt(i: number): BenchMember {
  const first = pick(FIRST, i, 1);
  const last = pick(LAST, i, 2);
  const middle = mix(i, 3) % 3 === 0 ? ` ${pick(LAST, i, 4)}` : '';
  const year = 1950 + (mix(i, 5) % 57);
  const day = `${pad(1 + (mix(i, 6) % 12), 2)}-${pad(1 + (mix(i, 7) % 28), 2)}`;
  const signupYear = 2015 + (mix(i, 8) % 11);
  return {
    name: `${first}${middle} ${last}`,
    email: `${asciiFold(first)}.${asciiFold(last)}${i}@example.com`,
    phoneDigits: `119${pad(mix(i, 9) % 100_000_000, 8)}`,
    cpf: cpfFromBase(pad((i * 7919 + 123_456_789) % 1_000_000_000, 9)),
    birthDate: `${year}-${day}`,
    gender: pick(GENDERS, i, 10),
    signupDate: `${signupYear}-${day}`,
    region: pick(REGIONS, i, 11),
    status: mix(i, 12) % 5 === 0 ? 'inactive' : 'active',
    consent: { marketing: mix(i, 13) % 2 === 0, imageAnalytics: mix(i, 14) % 3 === 0 },
  };
}

/** Where API-created members start counting, far from the dataset's indexes. */
const API_BASE = 50_000_000;

/**
 * The JSON body of `POST /api/v1/members` number `n`: a distinct member each time (the name ends
 * with `n` spelled in letters), with punctuation the API must normalise (phone, CPF).
 */
export function apiCreateBody(n: number): string {
  const m = memberAt(API_BASE + n);
  const d = m.phoneDigits;
  const c = m.cpf;
  return JSON.stringify({
    name: `${m.name} ${letters(n)}`,
    email: m.email,
    phone: `(${d.slice(0, 2)}) ${d.slice(2, 7)}-${d.slice(7)}`,
    document: `${c.slice(0, 3)}.${c.slice(3, 6)}.${c.slice(6, 9)}-${c.slice(9)}`,
    birthDate: m.birthDate,
    gender: m.gender,
    consent: m.consent,
  });
}
