import { createHash, randomBytes } from 'node:crypto';

/** Every kind of synced document. The doc id of a document starts with its type. */
export const DOC_TYPES = [
  'unit',
  'staff',
  'member',
  'plan',
  'membership',
  'payment',
  'classType',
  'classSession',
  'equipment',
  'zone',
  'camera',
  'alert',
  'directory',
  'credential',
] as const;
export type DocType = (typeof DOC_TYPES)[number];

/**
 * A document id: `<type>:<26 chars of Crockford base32>`, for example
 * `member:01JD8Q6W0C5V3T2YH4N8K9M7PA`. Random ids start with a 48-bit millisecond time so they sort by
 * creation; deterministic ids (imports, day books) are a hash of their natural key, so the same
 * input always names the same document.
 */
export type DocumentId<T extends DocType = DocType> = `${T}:${string}` & { readonly __brand: 'DocumentId' };

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

/** Random bytes from a pooled buffer: one system call per 400 ids instead of one per id. */
function takeRandom(n: number): Uint8Array {
  if (poolOffset + n > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const out = Uint8Array.from(pool.subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return out;
}

let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);

/** A time-sortable unique id body (ULID layout: 48-bit ms time + 80 random bits, monotonic within a ms). */
export function newIdBody(now: number = Date.now()): string {
  let random: Uint8Array;
  if (now <= lastTime) {
    random = Uint8Array.from(lastRandom);
    for (let i = random.length - 1; i >= 0; i--) {
      const next = ((random[i] ?? 0) + 1) & 0xff;
      random[i] = next;
      if (next !== 0) break;
    }
    now = lastTime;
  } else {
    random = takeRandom(10);
  }
  lastTime = now;
  lastRandom = random;
  const time = new Uint8Array(6);
  let t = now;
  for (let i = 5; i >= 0; i--) {
    time[i] = t % 256;
    t = Math.floor(t / 256);
  }
  const all = new Uint8Array(16);
  all.set(time, 0);
  all.set(random, 6);
  // 128 bits -> 26 base32 chars: pad with 2 leading zero bits as ULID does.
  const padded = new Uint8Array(17);
  padded.set(all, 1);
  return base32(shiftLeft(padded, 6), 26);
}

function shiftLeft(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const cur = bytes[i] ?? 0;
    const next = bytes[i + 1] ?? 0;
    out[i] = ((cur << bits) | (next >>> (8 - bits))) & 0xff;
  }
  return out;
}

/** A fresh, time-sortable id for a new document of `type`. */
export function newDocId<T extends DocType>(type: T, now?: number): DocumentId<T> {
  return `${type}:${newIdBody(now)}` as DocumentId<T>;
}

/** The id of the document that `naturalKey` names: the same key always gives the same id. */
export function deterministicDocId<T extends DocType>(type: T, ...naturalKey: string[]): DocumentId<T> {
  const digest = createHash('sha256')
    .update(`${type}\u0000${naturalKey.join('\u0000')}`)
    .digest();
  return `${type}:${base32(digest, 26)}` as DocumentId<T>;
}

/** Splits and checks a document id; returns undefined for anything that is not one. */
export function parseDocId(value: string): { type: DocType; body: string } | undefined {
  const colon = value.indexOf(':');
  if (colon < 0) return undefined;
  const type = value.slice(0, colon);
  const body = value.slice(colon + 1);
  if (!(DOC_TYPES as readonly string[]).includes(type) || !ID_BODY.test(body)) return undefined;
  return { type: type as DocType, body };
}

export function isDocId<T extends DocType>(value: string, type?: T): value is DocumentId<T> {
  const parsed = parseDocId(value);
  return parsed !== undefined && (type === undefined || parsed.type === type);
}
