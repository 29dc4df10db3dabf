/**
 * Storage of document chunks under hierarchical keys, shaped like automerge-repo's
 * `StorageAdapterInterface` (load, save, remove, loadRange, removeRange over `string[]` keys), but
 * synchronous and with an explicit transaction, because a write must commit its change bytes and its
 * projection update atomically. Keys used by the document store:
 *
 * - `[docId, 'snapshot', headsHash]`: a full `Automerge.save` of the document
 * - `[docId, 'incremental', changeHash]`: bytes from `Automerge.saveIncremental`
 *
 * Key parts must be non-empty and must not contain `/`.
 */
export type StorageKey = readonly string[];

export interface Chunk {
  readonly key: StorageKey;
  readonly data: Uint8Array;
}

export interface StorageAdapter {
  /** The bytes stored at exactly `key`, if any. */
  load(key: StorageKey): Uint8Array | undefined;
  /** Stores `data` at `key`, replacing what was there. */
  save(key: StorageKey, data: Uint8Array): void;
  /** Removes exactly `key`; removing a missing key is not an error. */
  remove(key: StorageKey): void;
  /** Every chunk whose key starts with `prefix` (a whole-part prefix), in key order. */
  loadRange(prefix: StorageKey): Chunk[];
  /** Removes every chunk whose key starts with `prefix`. */
  removeRange(prefix: StorageKey): void;
  /** Runs `fn` so that all of its saves and removes happen, or none does. Nested calls join the outer one. */
  transaction<T>(fn: () => T): T;
}

export function checkKey(key: StorageKey): void {
  if (key.length === 0) throw new Error('storage key must have at least one part');
  for (const part of key) {
    if (part.length === 0 || part.includes('/')) {
      throw new Error(`storage key part ${JSON.stringify(part)} must be non-empty and contain no '/'`);
    }
  }
}
