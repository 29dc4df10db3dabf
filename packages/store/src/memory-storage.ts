import { type Chunk, checkKey, type StorageAdapter, type StorageKey } from './storage-adapter.ts';

/** In-memory storage for tests and tools; the same contract as the SQLite adapter. */
export class MemoryStorageAdapter implements StorageAdapter {
  #chunks = new Map<string, Uint8Array>();
  #depth = 0;

  load(key: StorageKey): Uint8Array | undefined {
    checkKey(key);
    const data = this.#chunks.get(key.join('/'));
    return data === undefined ? undefined : Uint8Array.from(data);
  }

  save(key: StorageKey, data: Uint8Array): void {
    checkKey(key);
    this.#chunks.set(key.join('/'), Uint8Array.from(data));
  }

  remove(key: StorageKey): void {
    checkKey(key);
    this.#chunks.delete(key.join('/'));
  }

  loadRange(prefix: StorageKey): Chunk[] {
    checkKey(prefix);
    const start = `${prefix.join('/')}/`;
    const exact = prefix.join('/');
    return [...this.#chunks.entries()]
      .filter(([k]) => k === exact || k.startsWith(start))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, data]) => ({ key: k.split('/'), data: Uint8Array.from(data) }));
  }

  removeRange(prefix: StorageKey): void {
    for (const chunk of this.loadRange(prefix)) this.#chunks.delete(chunk.key.join('/'));
  }

  transaction<T>(fn: () => T): T {
    if (this.#depth > 0) return fn();
    const before = new Map(this.#chunks);
    this.#depth++;
    try {
      return fn();
    } catch (error) {
      this.#chunks = before;
      throw error;
    } finally {
      this.#depth--;
    }
  }
}
