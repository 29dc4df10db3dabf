import type { z } from 'zod';
import { DOC_TYPES, type DocType } from './ids.ts';
import { type DocOf, REGISTRY } from './registry.ts';

export type Validation<T extends DocType = DocType> =
  | { ok: true; type: T; doc: DocOf<T> }
  | { ok: false; reason: string; needsMigration?: { type: T; from: number; to: number } };

/** One readable line per problem: `pii.email: must be sealed bytes`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(document)'}: ${issue.message}`)
    .concat(issues.length > 5 ? [`and ${issues.length - 5} more`] : [])
    .join('; ');
}

/**
 * Checks a plain document (as read from Automerge) against its type's current schema. A document
 * of an older version is reported as needing migration; one from a newer version than this build
 * knows is refused, so that an old unit never rewrites fields it does not understand.
 */
export function validateDocument<T extends DocType = DocType>(
  value: unknown,
  expectedType?: T,
): Validation<T> {
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'not an object' };
  const { type, schemaVersion } = value as { type?: unknown; schemaVersion?: unknown };
  if (typeof type !== 'string' || !(DOC_TYPES as readonly string[]).includes(type)) {
    return { ok: false, reason: `unknown document type ${JSON.stringify(type)}` };
  }
  if (expectedType !== undefined && type !== expectedType) {
    return { ok: false, reason: `expected a ${expectedType} document, found a ${type}` };
  }
  const spec = REGISTRY[type as DocType];
  if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion) || schemaVersion < 1) {
    return { ok: false, reason: 'schemaVersion is missing or not a positive integer' };
  }
  if (schemaVersion > spec.version) {
    return {
      ok: false,
      reason: `${type} schema version ${schemaVersion} is newer than this build knows (${spec.version}); update this unit`,
    };
  }
  if (schemaVersion < spec.version) {
    return {
      ok: false,
      reason: `${type} schema version ${schemaVersion} needs migration to ${spec.version}`,
      needsMigration: { type: type as T, from: schemaVersion, to: spec.version },
    };
  }
  const parsed = spec.schema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error.issues) };
  return { ok: true, type: type as T, doc: parsed.data as DocOf<T> };
}
