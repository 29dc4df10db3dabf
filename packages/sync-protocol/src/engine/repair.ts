import { createHash } from 'node:crypto';
import * as A from '@automerge/automerge';
import type { StorageAdapter } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import type { DocHeads } from '../payloads.ts';

/**
 * The heads of every document of one owner (`unitId` = a unit, or `chain`) from the `documents` table,
 * sorted, and their digest: two replicas with the same digest hold the same changes of those documents.
 */
export class HeadsIndex {
  readonly #of: Statement<[string], { doc_id: string; heads: string }>;

  constructor(db: Database) {
    this.#of = db.prepare('SELECT doc_id, heads FROM documents WHERE unit_id = ? ORDER BY doc_id');
  }

  of(owner: string): DocHeads[] {
    return this.#of.all(owner).map((row) => ({
      docId: row.doc_id,
      heads: row.heads.length === 0 ? [] : row.heads.split(',').sort(),
    }));
  }
}

export function digestOf(docs: readonly DocHeads[]): string {
  const hash = createHash('sha256');
  for (const doc of docs) hash.update(`${doc.docId} ${[...doc.heads].sort().join(',')}\n`);
  return hash.digest('hex');
}

/** What comparing our heads with a peer's found, per document. */
export interface RepairPlan {
  /** Documents where we hold changes the peer lacks: the bytes of those changes. */
  readonly send: Array<{ docId: string; bytes: Uint8Array }>;
  /** Documents where the peer holds changes we lack (or we lack the document): our heads. */
  readonly want: DocHeads[];
}

/**
 * Compares our copy of `ours` with the peer's heads `theirs` (same owner). Reads committed chunks
 * through the storage adapter, one document at a time, freed after use.
 */
export function planRepair(
  storage: StorageAdapter,
  ours: readonly DocHeads[],
  theirs: readonly DocHeads[],
): RepairPlan {
  const theirMap = new Map(theirs.map((d) => [d.docId, d.heads]));
  const ourMap = new Map(ours.map((d) => [d.docId, d.heads]));
  const send: Array<{ docId: string; bytes: Uint8Array }> = [];
  const want: DocHeads[] = [];
  for (const doc of ours) {
    const their = theirMap.get(doc.docId) ?? [];
    if (sameSet(doc.heads, their)) continue;
    const chunks = storage.loadRange([doc.docId]);
    if (chunks.length === 0) continue;
    const snapshots = chunks.filter((c) => c.key[1] === 'snapshot').map((c) => c.data);
    const rest = chunks.filter((c) => c.key[1] !== 'snapshot').map((c) => c.data);
    const loaded = A.load<Record<string, unknown>>(concat([...snapshots, ...rest]));
    try {
      const known = their.filter((h) => A.hasHeads(loaded, [h]));
      if (known.length < their.length) want.push({ docId: doc.docId, heads: doc.heads });
      const changes = A.getChangesSince(loaded, known);
      if (changes.length > 0) send.push({ docId: doc.docId, bytes: concat(changes) });
    } finally {
      A.free(loaded);
    }
  }
  for (const doc of theirs) {
    if (!ourMap.has(doc.docId) && doc.heads.length > 0) want.push({ docId: doc.docId, heads: [] });
  }
  return { send, want };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((h) => set.has(h));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
