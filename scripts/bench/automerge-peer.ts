import { randomBytes } from 'node:crypto';
import * as A from '@automerge/automerge';
import { memberAt } from './members.ts';

/**
 * Raw Automerge peer: `from(...)` + `save` + `free` of the member document shape the store writes
 * (envelope, status, dates, region, churn flag, consent, sealed personal fields: ≈17 fields), scalar
 * strings as `ImmutableString`, sealed fields as bytes of the size AES-GCM sealing gives. No
 * validation, no crypto, no SQLite: the floor of what one member create costs in Automerge.
 */

export interface AutomergePeerResult {
  readonly docs: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly microsPerDoc: number;
  readonly bytesPerDoc: number;
}

type Shape = Record<string, unknown>;

/** Sealed field: 1 version byte + 12 IV + 16 tag + ciphertext (same length as the clear UTF-8). */
function sealedLike(value: string): Uint8Array {
  return new Uint8Array(randomBytes(29 + Buffer.byteLength(value)));
}

function shapeOf(i: number): Shape {
  const m = memberAt(i);
  const at = `${m.signupDate}T12:00:00.000Z`;
  return {
    id: `member:${String(i).padStart(26, '0')}`,
    type: 'member',
    schemaVersion: 2,
    unitId: 'bench-unit',
    createdAt: at,
    updatedAt: at,
    status: m.status,
    signupDate: m.signupDate,
    region: m.region,
    churned: false,
    consent: { ...m.consent },
    pii: {
      name: sealedLike(m.name),
      email: sealedLike(m.email),
      phone: sealedLike(`+55${m.phoneDigits}`),
      document: sealedLike(m.cpf),
      birthDate: sealedLike(m.birthDate),
      gender: sealedLike(m.gender),
    },
  };
}

/** Plain values → Automerge values, as the store does (strings become ImmutableString). */
function toAutomerge(value: unknown): unknown {
  if (typeof value === 'string') return new A.ImmutableString(value);
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toAutomerge(v)]));
}

export function automergePeer(docs: number): AutomergePeerResult {
  const shapes = Array.from({ length: docs }, (_, i) => shapeOf(i));
  const once = (shape: Shape): number => {
    const doc = A.from(toAutomerge(shape) as Shape);
    const bytes = A.save(doc).length;
    A.free(doc);
    return bytes;
  };
  // Warm-up: JIT, and growing the WASM heap (the first thousand docs are up to 2x slower).
  for (let i = 0; i < Math.min(1000, docs); i++) once(shapeOf(docs + i));
  let bytes = 0;
  const started = performance.now();
  for (const shape of shapes) bytes += once(shape);
  const seconds = (performance.now() - started) / 1000;
  return {
    docs,
    seconds,
    perSecond: docs / seconds,
    microsPerDoc: (seconds * 1e6) / docs,
    bytesPerDoc: bytes / docs,
  };
}
