import * as A from '@automerge/automerge';

/** A document as plain data: strings, numbers, booleans, bytes, arrays and objects. */
export type Plain = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** Automerge values → plain data (ImmutableString → string, counters → numbers). */
export function toPlain(value: unknown): unknown {
  if (A.isImmutableString(value)) return (value as A.ImmutableString).val;
  if (value instanceof A.Counter) return value.value;
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
    return out;
  }
  return value;
}

/**
 * Plain data → values to put into a document. Scalar strings become `ImmutableString`: a field is
 * replaced as a whole (last writer wins), not merged character by character, and costs less.
 */
export function toAutomerge(value: unknown): unknown {
  if (typeof value === 'string') return new A.ImmutableString(value);
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(toAutomerge);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toAutomerge(v);
    return out;
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * A change to a document, as data: each key present sets that field; a nested object patches the
 * nested object field by field (so concurrent edits of different fields merge); `undefined` removes
 * the field; arrays and bytes are replaced whole.
 */
export type Patch<T> = {
  [K in keyof T]?: T[K] extends Uint8Array | readonly unknown[]
    ? T[K] | undefined
    : T[K] extends object
      ? Patch<T[K]> | T[K] | undefined
      : T[K] | undefined;
};

/** The plain result of applying `patch` to `current` (for validation before anything is written). */
export function mergePatch(current: Plain, patch: Plain): Plain {
  const out: Plain = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete out[key];
    else if (isRecord(value) && isRecord(current[key])) out[key] = mergePatch(current[key] as Plain, value);
    else out[key] = value;
  }
  return out;
}

/** Applies `patch` to a document inside `A.change`, writing only the fields whose value changes. */
export function applyPatch(target: Record<string, unknown>, current: Plain, patch: Plain): void {
  for (const [key, value] of Object.entries(patch)) {
    const existing = current[key];
    if (value === undefined) {
      if (key in current) delete target[key];
    } else if (isRecord(value) && isRecord(existing)) {
      applyPatch(target[key] as Record<string, unknown>, existing, value);
    } else if (!deepEqual(existing, value)) {
      target[key] = toAutomerge(value);
    }
  }
}
