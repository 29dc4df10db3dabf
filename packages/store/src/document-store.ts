import { createHash, randomBytes } from 'node:crypto';
import * as A from '@automerge/automerge';
import {
  type AnyDoc,
  type DocOf,
  type DocType,
  type DocumentId,
  newDocId,
  parseDocId,
  REGISTRY,
  validateDocument,
} from '@gymedge/crdt-schema';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import { applyPatch, deepEqual, mergePatch, type Patch, type Plain, toAutomerge, toPlain } from './plain.ts';
import type { Projection } from './projection.ts';
import type { StorageAdapter } from './storage-adapter.ts';

/** A document whose stored state breaks its schema: it is kept and quarantined, never served. */
export class DocumentInvalidError extends Error {
  override readonly name = 'DocumentInvalidError';
}
/** A local write whose result would break the document's schema: nothing is written. */
export class DocumentValidationError extends Error {
  override readonly name = 'DocumentValidationError';
}
export class DocumentExistsError extends Error {
  override readonly name = 'DocumentExistsError';
}
export class DocumentNotFoundError extends Error {
  override readonly name = 'DocumentNotFoundError';
}

/** SQL to run in the same transaction as a write (keys, audit rows, ...). */
export type WriteHook = () => void;

export interface WriteOptions {
  /** Extra SQL committed atomically with the change, before projections run. */
  readonly also?: WriteHook;
  /** Runs if the write is rolled back, to undo in-memory effects of `also`'s preparation. */
  readonly onRollback?: () => void;
}

export interface DocumentStoreOptions {
  readonly db: Database;
  readonly storage: StorageAdapter;
  readonly unitId: string;
  readonly logger: Logger;
  readonly projections?: readonly Projection[];
  /** Live documents kept in memory; least recently used ones are freed beyond this. */
  readonly cacheSize?: number;
  /** A document is compacted once it has this many chunks. */
  readonly compactAfterChunks?: number;
  readonly clock?: () => Date;
  /**
   * Whether this store owns the chain-wide documents (`unitId: 'chain'`): true at HQ. A schema migration
   * is written as a change only by a document's owner (its unit, or HQ for chain-wide ones); every other
   * replica migrates it in memory for reading, so no two replicas ever create the same nested object.
   */
  readonly chainOwner?: boolean;
  /**
   * Runs after each commit, before its writes are acknowledged. A returned promise holds the
   * acknowledgements until it settles; if it rejects, those writes (committed, but not completed) are
   * answered with its error. The unit uses it to truncate the WAL after an erasure.
   */
  readonly afterCommit?: () => Promise<void> | undefined;
  /**
   * Group commit across event-loop turns (HQ): while merges are still waiting on the background queue,
   * a commit waits for them, up to this long after its first write (or until `commitMaxWrites` are
   * queued), so the changes of many batches share one transaction and one fsync. With nothing more
   * waiting, it commits at once. 0 (the default, a unit) commits what each turn queued.
   */
  readonly commitWindowMs?: number;
  /** With `commitWindowMs`: commit at once when this many writes are queued (default 2,000). */
  readonly commitMaxWrites?: number;
}

/** What the inbox hands `DocumentStore.mergeIncoming` to store: see inbox.ts. */
export interface IncomingWrite {
  /** The document with the incoming changes (and any repair change) applied. */
  readonly doc: A.Doc<Plain>;
  /** Its plain, validated state (what projections receive). */
  readonly plain: Plain;
  /** The bytes to store and log: the changes as they arrived, plus any local repair change. */
  readonly bytes: Uint8Array;
  readonly changeHash: string | null;
  /** The actor of the (last) incoming change. */
  readonly actor: string;
  /** The peer it came from (a unit id, or `hq`). */
  readonly fromUnit: string;
  readonly options?: WriteOptions;
}

/**
 * A chain of uncommitted changes that build on each other: every change made on a live document
 * depends on the changes before it. When one of them fails to commit, the chain is marked failed, so
 * the writes queued on top of it fail too (their bytes depend on the lost change), and the next write
 * starts from what is on disk with a fresh chain. A failure never outlives its own writes.
 */
interface Lineage {
  failed: boolean;
}

interface CacheEntry {
  doc: A.Doc<Plain>;
  plain: Plain;
  readonly lineage: Lineage;
  /**
   * The heads whose changes are already stored (or queued to be): a local change ships and logs only
   * what `saveSince(saved)` gives, never the history loaded from disk (`saveIncremental` after
   * `Automerge.load` returned the whole history).
   */
  saved: A.Heads;
}

interface PendingWrite {
  readonly docId: string;
  readonly type: DocType;
  readonly unitId: string;
  readonly schemaVersion: number;
  readonly bytes: Uint8Array;
  readonly changeHash: string | null;
  readonly heads: string[];
  readonly plain: Plain;
  readonly origin: 'local' | 'remote';
  readonly changeUnit: string;
  /** The Automerge actor of the change when it is not this process's (a remote change). */
  readonly actor?: string;
  readonly options: WriteOptions | undefined;
  readonly lineage: Lineage;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface StoreStats {
  readonly documents: number;
  readonly liveDocuments: number;
  readonly pendingWrites: number;
  readonly quarantined: number;
  readonly changeLogSize: number;
  readonly committedWrites: number;
  readonly commits: number;
}

type Fields<T extends DocType> = Omit<
  DocOf<T>,
  'id' | 'type' | 'schemaVersion' | 'unitId' | 'createdAt' | 'updatedAt'
>;

/**
 * The unit's documents: one Automerge document per aggregate, stored as chunks in SQLite and loaded
 * only to change or merge them. A write is: load (or cache hit) → validate the result → change →
 * `saveIncremental` → one SQLite transaction with the chunk, the change-log row and the projection
 * update → acknowledge. Writes that arrive in the same event-loop turn share one transaction and one
 * fsync (group commit), so throughput does not pay one fsync per write.
 */
export class DocumentStore {
  readonly unitId: string;
  readonly actorId: string;
  readonly #db: Database;
  readonly #storage: StorageAdapter;
  readonly #log: Logger;
  readonly #projections: readonly Projection[];
  readonly #byType = new Map<DocType, Projection[]>();
  readonly #cacheSize: number;
  readonly #compactAfter: number;
  readonly #clock: () => Date;
  readonly #chainOwner: boolean;
  readonly #afterCommit: (() => Promise<void> | undefined) | undefined;
  readonly #cache = new Map<string, CacheEntry>();
  /** Created documents whose first write has not committed yet: their bytes and plain value, not materialised. */
  readonly #created = new Map<string, { bytes: Uint8Array; plain: Plain; lineage: Lineage }>();
  /**
   * Queued writes not yet committed (or failed), per document id. Pinning is by id, counted where a
   * write is queued and where it settles, so no entry object can be pinned or unpinned by mistake.
   */
  readonly #inFlight = new Map<string, number>();
  /** Callbacks waiting for a document to have no write in flight (see `#whenSettled`). */
  readonly #settledWaiters = new Map<string, Array<() => void>>();
  #queue: PendingWrite[] = [];
  /** The background queue (see `background`): FIFO, run a slice at a time. */
  #tasks: Array<() => void> = [];
  #tasksScheduled = false;
  #flushScheduled = false;
  #firstQueuedAt = 0;
  readonly #commitWindowMs: number;
  readonly #commitMaxWrites: number;
  #flushWaiters: Array<() => void> = [];
  #committedWrites = 0;
  #commits = 0;
  #closed = false;
  readonly #sql: {
    docRow: Statement<[string], { type: string; chunks: number; heads: string }>;
    upsertDoc: Statement<Record<string, unknown>>;
    logChange: Statement<Record<string, unknown>>;
    quarantine: Statement<Record<string, unknown>>;
    countDocs: Statement<[], { n: number }>;
    countQuarantine: Statement<[], { n: number }>;
    countLog: Statement<[], { n: number }>;
    toCompact: Statement<[number, number], { doc_id: string }>;
    setChunks: Statement<[number, number, string]>;
    docsOfType: Statement<[string], { doc_id: string }>;
    storedQuarantined: Statement<[string], { id: number }>;
  };

  constructor(options: DocumentStoreOptions) {
    this.#db = options.db;
    this.#storage = options.storage;
    this.unitId = options.unitId;
    this.#log = options.logger.child({ module: 'store' });
    this.#projections = options.projections ?? [];
    this.#cacheSize = Math.max(1, options.cacheSize ?? 500);
    this.#compactAfter = Math.max(2, options.compactAfterChunks ?? 16);
    this.#clock = options.clock ?? (() => new Date());
    this.#chainOwner = options.chainOwner ?? false;
    this.#afterCommit = options.afterCommit;
    this.#commitWindowMs = Math.max(0, options.commitWindowMs ?? 0);
    this.#commitMaxWrites = Math.max(1, options.commitMaxWrites ?? 2000);
    this.actorId = randomBytes(16).toString('hex');
    for (const projection of this.#projections) {
      for (const type of projection.types)
        this.#byType.set(type, [...(this.#byType.get(type) ?? []), projection]);
    }
    const db = this.#db;
    this.#sql = {
      docRow: db.prepare('SELECT type, chunks, heads FROM documents WHERE doc_id = ?'),
      upsertDoc:
        db.prepare(`INSERT INTO documents (doc_id, type, unit_id, schema_version, heads, chunks, bytes, created_at, updated_at)
        VALUES (@docId, @type, @unitId, @schemaVersion, @heads, 1, @bytes, @at, @at)
        ON CONFLICT (doc_id) DO UPDATE SET schema_version = excluded.schema_version, heads = excluded.heads,
          chunks = chunks + 1, bytes = bytes + excluded.bytes, updated_at = excluded.updated_at`),
      logChange:
        db.prepare(`INSERT INTO change_log (doc_id, change_hash, heads, unit_id, actor, origin, bytes, at)
        VALUES (@docId, @changeHash, @heads, @unitId, @actor, @origin, @bytes, @at)`),
      quarantine:
        db.prepare(`INSERT INTO quarantine (doc_id, doc_type, origin, from_unit, reason, bytes, received_at)
        VALUES (@docId, @docType, @origin, @fromUnit, @reason, @bytes, @at)`),
      countDocs: db.prepare('SELECT count(*) AS n FROM documents'),
      countQuarantine: db.prepare('SELECT count(*) AS n FROM quarantine WHERE resolved_at IS NULL'),
      countLog: db.prepare('SELECT count(*) AS n FROM change_log'),
      toCompact: db.prepare('SELECT doc_id FROM documents WHERE chunks >= ? LIMIT ?'),
      setChunks: db.prepare('UPDATE documents SET chunks = ?, bytes = ? WHERE doc_id = ?'),
      docsOfType: db.prepare('SELECT doc_id FROM documents WHERE type = ? ORDER BY doc_id'),
      storedQuarantined: db.prepare(
        "SELECT id FROM quarantine WHERE doc_id = ? AND origin = 'load' AND resolved_at IS NULL LIMIT 1",
      ),
    };
  }

  // ---------------------------------------------------------------- reads

  /** Whether a document exists (committed, or created and waiting to commit). */
  has(id: string): boolean {
    return this.#cache.has(id) || this.#created.has(id) || this.#sql.docRow.get(id) !== undefined;
  }

  /**
   * The current state of a document as plain data, or undefined if there is none. Loads it from disk
   * if needed; prefer the projections for anything a screen lists.
   */
  get<T extends DocType>(id: DocumentId<T> | string): DocOf<T> | undefined {
    const created = this.#cache.has(id) ? undefined : this.#created.get(id);
    if (created !== undefined) return structuredClone(created.plain) as DocOf<T>;
    const entry = this.#entry(id);
    return entry === undefined ? undefined : (structuredClone(entry.plain) as DocOf<T>);
  }

  /** Ids of every document of a type, in id order. */
  idsOfType(type: DocType): string[] {
    return this.#sql.docsOfType.all(type).map((row) => row.doc_id);
  }

  // ---------------------------------------------------------------- writes

  /** Creates a document; resolves once it is durable. */
  create<T extends DocType>(
    type: T,
    fields: Fields<T>,
    options: WriteOptions & { id?: DocumentId<T>; unitId?: string; createdAt?: string } = {},
  ): Promise<DocOf<T>> {
    this.#assertOpen();
    const id = options.id ?? newDocId(type);
    if (options.id !== undefined && this.has(id))
      return Promise.reject(new DocumentExistsError(`${id} already exists`));
    const now = this.#clock().toISOString();
    const plain = {
      ...fields,
      id,
      type,
      schemaVersion: REGISTRY[type].version,
      unitId: options.unitId ?? (REGISTRY[type].scope === 'chain' ? 'chain' : this.unitId),
      createdAt: options.createdAt ?? now,
      updatedAt: now,
    } as Plain;
    const checked = validateDocument(plain, type);
    if (!checked.ok) return Promise.reject(new DocumentValidationError(`${type}: ${checked.reason}`));
    // What is stored is what the schema made of the input (trimmed, defaulted), not the raw input.
    const clean = stripUndefined(checked.doc as Plain);
    // Built straight in the backend: a new document is not materialised as a JS object (the costliest
    // part of Automerge.from). It is loaded from its bytes only if it is changed again.
    const { bytes, heads } = buildDocument(clean, this.actorId);
    const lineage: Lineage = { failed: false };
    this.#created.set(id, { bytes, plain: clean, lineage });
    return new Promise<DocOf<T>>((resolve, reject) => {
      this.#push({
        docId: id,
        type,
        unitId: String(clean.unitId),
        schemaVersion: Number(clean.schemaVersion),
        bytes,
        changeHash: heads[0] ?? null,
        heads,
        plain: clean,
        origin: 'local',
        changeUnit: this.unitId,
        options,
        lineage,
        resolve: () => {
          if (this.#created.get(id)?.lineage === lineage) this.#created.delete(id);
          resolve(structuredClone(clean) as DocOf<T>);
        },
        reject: (error) => {
          if (this.#created.get(id)?.lineage === lineage) this.#created.delete(id);
          reject(error);
        },
      });
    });
  }

  /**
   * Changes a document by a patch (see `Patch`). Fields whose value does not change are not
   * written; a patch that changes nothing writes nothing and resolves `changed: false`.
   */
  update<T extends DocType>(
    id: DocumentId<T> | string,
    patch: Patch<DocOf<T>>,
    options: WriteOptions = {},
  ): Promise<{ doc: DocOf<T>; changed: boolean }> {
    this.#assertOpen();
    const entry = this.#entry(id);
    if (entry === undefined) return Promise.reject(new DocumentNotFoundError(`${id} does not exist`));
    const type = entry.plain.type as T;
    const merged = stripUndefined(mergePatch(entry.plain, patch as Plain));
    for (const fixed of ['id', 'type', 'unitId', 'createdAt', 'schemaVersion'] as const) {
      if (!deepEqual(merged[fixed], entry.plain[fixed])) {
        return Promise.reject(new DocumentValidationError(`${type}: ${fixed} cannot be changed`));
      }
    }
    const checked = validateDocument(merged, type);
    if (!checked.ok) return Promise.reject(new DocumentValidationError(`${type}: ${checked.reason}`));
    // What is stored is what the schema made of the result (trimmed, defaulted), not the raw patch.
    const result = stripUndefined(checked.doc as Plain);
    if (deepEqual(result, entry.plain)) {
      // Nothing to write, but what this answer says may rest on another request's write that is not
      // durable yet: answer only once the document has nothing in flight, and look again then (if that
      // write failed, this patch is a change after all).
      if (this.#inFlight.has(id)) return this.#whenSettled(id).then(() => this.update(id, patch, options));
      return Promise.resolve({ doc: structuredClone(entry.plain) as DocOf<T>, changed: false });
    }
    const now = this.#clock().toISOString();
    const next = { ...result, updatedAt: now };
    const before = entry.plain;
    const diff = patchBetween(before, next);
    entry.doc = A.change(entry.doc, (draft) => applyPatch(draft, before, diff));
    entry.plain = next;
    return this.#enqueueLocal(id, type, entry, options, true).then(() => ({
      doc: structuredClone(next) as DocOf<T>,
      changed: true,
    }));
  }

  /** Creates the document if it does not exist, otherwise patches it with the same fields. */
  async upsert<T extends DocType>(
    type: T,
    id: DocumentId<T>,
    fields: Fields<T>,
    options: WriteOptions & { createdAt?: string } = {},
  ): Promise<{ doc: DocOf<T>; changed: boolean }> {
    if (!this.has(id)) return { doc: await this.create(type, fields, { ...options, id }), changed: true };
    return this.update(id, fields as Patch<DocOf<T>>, options);
  }

  /**
   * The inbox's serial section (`Inbox` in inbox.ts): runs `merge` synchronously on the document's
   * current state (no other write to it can interleave) and queues what it returns as one remote write
   * that stores `bytes`, the change bytes that arrived, never a re-save of the history. `merge` must
   * not use `current.doc` after handing back a document derived from it; it returns undefined to write
   * nothing. Resolves once the write is durable. Throws `DocumentInvalidError` when the local copy is
   * unreadable.
   */
  mergeIncoming(
    id: string,
    merge: (current: Readonly<{ doc: A.Doc<Plain>; plain: Plain }> | undefined) => IncomingWrite | undefined,
  ): Promise<void> | undefined {
    this.#assertOpen();
    const type = parseDocId(id)?.type;
    if (type === undefined) throw new DocumentInvalidError(`${id} is not a document id`);
    const entry = this.#entry(id);
    const result = merge(entry);
    if (result === undefined) return undefined;
    let target = entry;
    // Everything the merged document holds is now stored or queued: the bytes that arrived (and any
    // repair or migration change) are the write below.
    const saved = A.getHeads(result.doc);
    if (target === undefined) {
      target = { doc: result.doc, plain: result.plain, lineage: { failed: false }, saved };
      this.#remember(id, target);
    } else {
      target.doc = result.doc;
      target.plain = result.plain;
      target.saved = saved;
    }
    return this.#enqueue(target, {
      docId: id,
      type,
      bytes: result.bytes,
      changeHash: result.changeHash,
      origin: 'remote',
      changeUnit: result.fromUnit,
      actor: result.actor,
      options: result.options,
    });
  }

  /** Whether this store writes schema migrations of a document (see `chainOwner`). */
  ownsDocument(plain: { readonly unitId?: unknown }): boolean {
    return plain.unitId === this.unitId || (plain.unitId === 'chain' && this.#chainOwner);
  }

  /** Resolves once every write queued so far is committed (or failed). */
  flush(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * Folds the chunks of documents with many of them into one snapshot each (at most `limit`
   * documents). Reads the committed chunks, not the cache, so uncommitted changes are never
   * captured. Returns how many documents were compacted.
   */
  compact(limit = 200): number {
    this.#assertOpen();
    const ids = this.#sql.toCompact.all(this.#compactAfter, limit).map((row) => row.doc_id);
    for (const id of ids) this.compactDocument(id);
    return ids.length;
  }

  /**
   * `compact` as background work: one document per task on the `background` queue, so a pass of
   * hundreds of documents (670 ms in one go) never holds the event loop for more than a slice.
   * Resolves with how many documents were compacted.
   */
  compactInBackground(limit = 200): Promise<number> {
    this.#assertOpen();
    const ids = this.#sql.toCompact.all(this.#compactAfter, limit).map((row) => row.doc_id);
    return Promise.all(
      ids.map((id) =>
        this.background(() => {
          if (!this.#closed) this.compactDocument(id);
        }),
      ),
    ).then(() => ids.length);
  }

  /**
   * Runs `task` on the store's background queue: tasks run one after another in the order they were
   * queued, as many as fit in a slice of `sliceMs` (4 ms), and then the queue yields to the event loop
   * (`setImmediate`), so requests are answered between slices however long the queue is. Every inbox
   * delivery (`Inbox.receive`) and background compaction go through it. A task that returns a promise is not awaited by the queue (its writes
   * join the group commit like any other); the returned promise settles with the task's result.
   */
  background<T>(task: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#tasks.push(() => {
        try {
          Promise.resolve(task()).then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
      this.#scheduleTasks();
    });
  }

  #scheduleTasks(): void {
    if (this.#tasksScheduled || this.#tasks.length === 0) return;
    this.#tasksScheduled = true;
    setImmediate(() => {
      this.#tasksScheduled = false;
      const until = performance.now() + SLICE_MS;
      let next = this.#tasks.shift();
      while (next !== undefined) {
        next();
        if (performance.now() >= until) break;
        next = this.#tasks.shift();
      }
      if (this.#tasks.length > 0) this.#scheduleTasks();
    });
  }

  compactDocument(id: string): void {
    this.#storage.transaction(() => {
      const chunks = this.#storage.loadRange([id]);
      if (chunks.length <= 1) return;
      const doc = A.load<Plain>(concat(chunks.map((c) => c.data)));
      const snapshot = A.save(doc);
      const key = createHash('sha256').update(A.getHeads(doc).join(',')).digest('hex').slice(0, 32);
      A.free(doc);
      this.#storage.removeRange([id]);
      this.#storage.save([id, 'snapshot', key], snapshot);
      this.#sql.setChunks.run(1, snapshot.length, id);
    });
  }

  /**
   * Rebuilds projections from the documents (all of them, or those named), e.g. after a projection's
   * tables changed. Documents are loaded one by one and freed, never all at once.
   */
  rebuildProjections(names?: readonly string[], onProgress?: (done: number, total: number) => void): number {
    const chosen = this.#projections.filter((p) => names === undefined || names.includes(p.name));
    const types = [...new Set(chosen.flatMap((p) => p.types))];
    const ids = types.flatMap((type) => this.idsOfType(type));
    let done = 0;
    const batch = 500;
    for (let start = 0; start < ids.length; start += batch) {
      this.#db.transaction(() => {
        if (start === 0) for (const projection of chosen) projection.reset();
        for (const id of ids.slice(start, start + batch)) {
          const plain = this.#readCommitted(id);
          if (plain !== undefined) {
            for (const projection of chosen)
              if (projection.types.includes(plain.type as DocType)) projection.apply(plain as AnyDoc);
          }
          done++;
        }
      })();
      onProgress?.(done, ids.length);
    }
    if (ids.length === 0)
      this.#db.transaction(() => {
        for (const p of chosen) p.reset();
      })();
    this.#db.transaction(() => {
      const setVersion = this.#db.prepare(
        'INSERT OR REPLACE INTO projection_versions (name, version) VALUES (?, ?)',
      );
      for (const projection of chosen) setVersion.run(projection.name, projection.version);
    })();
    return done;
  }

  /** Projections whose stored version differs from the code's (they need a rebuild). */
  staleProjections(): string[] {
    const stored = new Map(
      this.#db
        .prepare<[], { name: string; version: number }>('SELECT name, version FROM projection_versions')
        .all()
        .map((row) => [row.name, row.version]),
    );
    return this.#projections.filter((p) => stored.get(p.name) !== p.version).map((p) => p.name);
  }

  stats(): StoreStats {
    return {
      documents: this.#sql.countDocs.get()?.n ?? 0,
      liveDocuments: this.#cache.size,
      pendingWrites: this.#queue.length,
      quarantined: this.#sql.countQuarantine.get()?.n ?? 0,
      changeLogSize: this.#sql.countLog.get()?.n ?? 0,
      committedWrites: this.#committedWrites,
      commits: this.#commits,
    };
  }

  /** Commits what is queued, frees every live document and refuses further writes. */
  async close(): Promise<void> {
    // Background work queued before the close runs first (remote changes, compaction).
    while (this.#tasks.length > 0 || this.#tasksScheduled) await new Promise((r) => setImmediate(r));
    await this.flush();
    this.#closed = true;
    for (const entry of this.#cache.values()) A.free(entry.doc);
    this.#cache.clear();
  }

  // ---------------------------------------------------------------- internals

  #assertOpen(): void {
    if (this.#closed) throw new Error('the document store is closed');
  }

  #entry(id: string): CacheEntry | undefined {
    const cached = this.#cache.get(id);
    if (cached !== undefined) {
      this.#cache.delete(id);
      this.#cache.set(id, cached);
      return cached;
    }
    const chunks = this.#storage.loadRange([id]);
    const created = this.#created.get(id);
    if (chunks.length === 0 && created === undefined) return undefined;
    const bytes = chunks.length > 0 ? concat(orderChunks(chunks)) : (created?.bytes as Uint8Array);
    let doc = A.load<Plain>(bytes, { actor: this.actorId as A.ActorId });
    const saved = A.getHeads(doc);
    let plain = toPlain(doc) as Plain;
    const type = parseDocId(id)?.type;
    let checked = validateDocument(plain, type);
    if (!checked.ok && checked.needsMigration && !this.ownsDocument(plain)) {
      // Another replica owns this document: migrate a copy for reading, keep the history as it is.
      const copy = this.#migrate(A.clone(doc), plain);
      plain = toPlain(copy) as Plain;
      A.free(copy);
      checked = validateDocument(plain, type);
    }
    if (!checked.ok && checked.needsMigration) {
      doc = this.#migrate(doc, plain);
      plain = toPlain(doc) as Plain;
      checked = validateDocument(plain, type);
      if (checked.ok) {
        const entry: CacheEntry = { doc, plain, lineage: created?.lineage ?? { failed: false }, saved };
        this.#remember(id, entry);
        void this.#enqueueLocal(id, checked.type, entry, undefined).catch((error: unknown) =>
          this.#log.error({ err: error, docId: id }, 'could not store a schema migration'),
        );
        return entry;
      }
    }
    if (!checked.ok) {
      A.free(doc);
      this.#quarantineStored(id, type, checked.reason);
      throw new DocumentInvalidError(`${id} is invalid and was quarantined: ${checked.reason}`);
    }
    const entry: CacheEntry = { doc, plain, lineage: created?.lineage ?? { failed: false }, saved };
    this.#remember(id, entry);
    return entry;
  }

  /** Loads a document's committed state without caching it (rebuilds, compaction checks). */
  #readCommitted(id: string): Plain | undefined {
    const chunks = this.#storage.loadRange([id]);
    if (chunks.length === 0) return undefined;
    let doc = A.load<Plain>(concat(orderChunks(chunks)));
    let plain = toPlain(doc) as Plain;
    const type = parseDocId(id)?.type;
    let checked = validateDocument(plain, type);
    if (!checked.ok && checked.needsMigration) {
      // Project the migrated form; the migration itself is stored the next time the document is changed.
      doc = this.#migrate(doc, plain);
      plain = toPlain(doc) as Plain;
      checked = validateDocument(plain, type);
    }
    A.free(doc);
    if (checked.ok) return plain;
    this.#quarantineStored(id, type, checked.reason);
    return undefined;
  }

  /** Quarantines a stored document that breaks its schema, once: later reads and rebuilds find it there. */
  #quarantineStored(id: string, type: DocType | undefined, reason: string): void {
    if (this.#sql.storedQuarantined.get(id) !== undefined) return;
    this.#quarantine(id, type, this.unitId, `stored document is invalid: ${reason}`, undefined, 'load');
  }

  #migrate(doc: A.Doc<Plain>, plain: Plain): A.Doc<Plain> {
    const type = plain.type as DocType;
    const spec = REGISTRY[type];
    let version = plain.schemaVersion as number;
    let next = doc;
    while (version < spec.version) {
      const step = spec.migrations[version - 1];
      if (step === undefined) break;
      next = A.change(next, { message: `migrate ${type} v${version}→v${version + 1}` }, (draft) =>
        step(draft),
      );
      version++;
    }
    return next;
  }

  #remember(id: string, entry: CacheEntry): void {
    this.#cache.set(id, entry);
    // Entries with uncommitted writes cannot be evicted, so while a batch is in flight the cache may
    // hold more than its size; it shrinks back after each commit (see #evict). The entry just
    // inserted is the caller's: it is never the one evicted.
    if (this.#cache.size > this.#cacheSize) this.#evict(id);
  }

  /** Frees least recently used documents without writes in flight until the cache fits its size. */
  #evict(keep?: string): void {
    for (const [key, candidate] of this.#cache) {
      if (this.#cache.size <= this.#cacheSize) break;
      if (key === keep || this.#inFlight.has(key)) continue;
      this.#cache.delete(key);
      A.free(candidate.doc);
    }
  }

  /** Resolves once the document has no write in flight (committed or failed). */
  #whenSettled(id: string): Promise<void> {
    if (!this.#inFlight.has(id)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiting = this.#settledWaiters.get(id);
      if (waiting === undefined) this.#settledWaiters.set(id, [resolve]);
      else waiting.push(resolve);
    });
  }

  #settle(id: string): void {
    const left = (this.#inFlight.get(id) ?? 1) - 1;
    if (left > 0) {
      this.#inFlight.set(id, left);
      return;
    }
    this.#inFlight.delete(id);
    const waiting = this.#settledWaiters.get(id);
    if (waiting === undefined) return;
    this.#settledWaiters.delete(id);
    for (const resolve of waiting) resolve();
  }

  #enqueueLocal(
    id: string,
    type: DocType,
    entry: CacheEntry,
    options: WriteOptions | undefined,
    oneChange = false,
  ): Promise<void> {
    // Only the changes since what is stored: a document loaded from disk has its whole history in
    // memory, and `saveIncremental` would hand all of it out again (and the outbox ship it). An update
    // is one change on top of what is stored (every change is queued as it is made): its bytes are the
    // last local change, which costs less than `saveSince` (that one walks the history).
    const heads = A.getHeads(entry.doc);
    const unchanged = deepEqual(heads, entry.saved);
    const bytes = unchanged
      ? new Uint8Array(0)
      : oneChange
        ? (A.getLastLocalChange(entry.doc) ?? A.saveSince(entry.doc, entry.saved))
        : A.saveSince(entry.doc, entry.saved);
    entry.saved = heads;
    return this.#enqueue(entry, {
      docId: id,
      type,
      bytes,
      changeHash: heads.length === 1 ? (heads[0] ?? null) : null,
      origin: 'local',
      changeUnit: this.unitId,
      options,
    });
  }

  #enqueue(
    entry: CacheEntry,
    write: Omit<
      PendingWrite,
      'resolve' | 'reject' | 'plain' | 'heads' | 'unitId' | 'schemaVersion' | 'lineage'
    >,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#push({
        ...write,
        plain: entry.plain,
        heads: A.getHeads(entry.doc),
        unitId: String(entry.plain.unitId),
        schemaVersion: Number(entry.plain.schemaVersion),
        lineage: entry.lineage,
        resolve,
        reject,
      });
    });
  }

  /**
   * Queues a write for the next group commit (scheduled once per event-loop turn). The document stays
   * pinned in the cache until the write settles; `resolve`/`reject` run after it is unpinned.
   */
  #push(queued: PendingWrite): void {
    const id = queued.docId;
    this.#inFlight.set(id, (this.#inFlight.get(id) ?? 0) + 1);
    const write: PendingWrite = {
      ...queued,
      resolve: () => {
        this.#settle(id);
        queued.resolve();
      },
      reject: (error) => {
        this.#settle(id);
        queued.reject(error);
      },
    };
    this.#queue.push(write);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#firstQueuedAt = performance.now();
      setImmediate(() => this.#flushWhenDue());
    }
  }

  /**
   * Commits now, or (with a commit window) once the merges still waiting on the background queue have
   * run, the window since the first queued write has passed, or enough writes are queued.
   */
  #flushWhenDue(): void {
    const waitMore =
      this.#commitWindowMs > 0 &&
      !this.#closed &&
      (this.#tasks.length > 0 || this.#tasksScheduled) &&
      this.#queue.length < this.#commitMaxWrites &&
      performance.now() - this.#firstQueuedAt < this.#commitWindowMs;
    if (waitMore) setImmediate(() => this.#flushWhenDue());
    else this.#flushNow();
  }

  #flushNow(): void {
    this.#flushScheduled = false;
    const batch = this.#queue.filter((write) => {
      if (!write.lineage.failed) return true;
      write.options?.onRollback?.();
      write.reject(new Error(`an earlier change to ${write.docId} failed to commit`));
      return false;
    });
    this.#queue = [];
    if (batch.length > 0) {
      try {
        this.#db.transaction(() => {
          for (const write of batch) this.#write(write);
        })();
        this.#commits++;
        this.#committedWrites += batch.length;
        this.#acknowledge(batch);
      } catch (error) {
        this.#log.warn(
          { err: error, writes: batch.length },
          'group commit failed; retrying writes one by one',
        );
        this.#retryOneByOne(batch);
      }
    }
    if (this.#cache.size > this.#cacheSize) this.#evict();
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** After a failed batch: commit each write alone, so only the bad one (and later writes to its document) fail. */
  #retryOneByOne(batch: PendingWrite[]): void {
    const committed: PendingWrite[] = [];
    for (const write of batch) {
      if (write.lineage.failed) {
        write.options?.onRollback?.();
        write.reject(new Error(`an earlier change to ${write.docId} failed to commit`));
        continue;
      }
      try {
        this.#db.transaction(() => this.#write(write))();
        this.#commits++;
        this.#committedWrites++;
        committed.push(write);
      } catch (error) {
        this.#fail(write);
        write.reject(error);
      }
    }
    this.#acknowledge(committed);
  }

  /** Resolves committed writes, after the `afterCommit` hook when there is one. */
  #acknowledge(writes: readonly PendingWrite[]): void {
    if (writes.length === 0) return;
    const after = this.#afterCommit?.();
    if (after === undefined) {
      for (const write of writes) write.resolve();
      return;
    }
    after.then(
      () => {
        for (const write of writes) write.resolve();
      },
      (error: unknown) => {
        this.#log.error({ err: error }, 'a commit could not be completed');
        for (const write of writes) write.reject(error);
      },
    );
  }

  /**
   * A write did not commit: its chain is marked failed (the writes queued on top of it fail with it),
   * and the memory built on it is dropped, so the next write to the document starts from the disk.
   */
  #fail(write: PendingWrite): void {
    write.lineage.failed = true;
    write.options?.onRollback?.();
    const entry = this.#cache.get(write.docId);
    if (entry !== undefined && entry.lineage === write.lineage) {
      this.#cache.delete(write.docId);
      A.free(entry.doc);
    }
    if (this.#created.get(write.docId)?.lineage === write.lineage) this.#created.delete(write.docId);
  }

  #write(write: PendingWrite): void {
    if (write.lineage.failed) throw new Error(`an earlier change to ${write.docId} failed to commit`);
    const at = this.#clock().toISOString();
    const hash = write.changeHash ?? createHash('sha256').update(write.bytes).digest('hex');
    this.#storage.save([write.docId, 'incremental', hash], write.bytes);
    this.#sql.upsertDoc.run({
      docId: write.docId,
      type: write.type,
      unitId: write.unitId,
      schemaVersion: write.schemaVersion,
      heads: write.heads.join(','),
      bytes: write.bytes.length,
      at,
    });
    this.#sql.logChange.run({
      docId: write.docId,
      changeHash: write.changeHash,
      heads: write.heads.join(','),
      unitId: write.changeUnit,
      actor: write.actor ?? this.actorId,
      origin: write.origin,
      bytes: write.bytes,
      at,
    });
    write.options?.also?.();
    for (const projection of this.#byType.get(write.type) ?? []) projection.apply(write.plain as AnyDoc);
  }

  #quarantine(
    docId: string,
    docType: DocType | undefined,
    fromUnit: string,
    reason: string,
    bytes: Uint8Array | undefined,
    origin = 'remote',
  ): void {
    const result = this.#sql.quarantine.run({
      docId,
      docType: docType ?? null,
      origin,
      fromUnit,
      reason,
      bytes: bytes ?? null,
      at: this.#clock().toISOString(),
    });
    this.#log.warn(
      { docId, fromUnit, reason, quarantineId: Number(result.lastInsertRowid) },
      'change quarantined',
    );
  }
}

/** A copy without `undefined` fields (what Automerge stores and `toPlain` reads back). */
function stripUndefined(value: Plain): Plain {
  const out: Plain = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[key] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
        ? stripUndefined(v as Plain)
        : v;
  }
  return out;
}

/** How long the background queue runs before it yields to the event loop (ms). */
const SLICE_MS = 4;

/**
 * A new document's first change, made in the Automerge backend without materialising the JS
 * document (what `Automerge.from` does and pays for). Returns the change bytes and the new head.
 */
function buildDocument(value: Plain, actor: string): { bytes: Uint8Array; heads: string[] } {
  const doc = A.init<Plain>({ actor: actor as A.ActorId });
  try {
    const backend = A.getBackend(doc);
    backend.initRootFromHydrate(toAutomerge(value));
    backend.commit(null, Math.floor(Date.now() / 1000));
    return { bytes: backend.saveIncremental(), heads: backend.getHeads() };
  } finally {
    A.free(doc);
  }
}

/** The patch that turns `before` into `after` (removed fields become `undefined`, nested objects recurse). */
function patchBetween(before: Plain, after: Plain): Plain {
  const out: Plain = {};
  for (const [key, value] of Object.entries(after)) {
    const old = before[key];
    if (isRecord(value) && isRecord(old)) {
      const nested = patchBetween(old, value);
      if (Object.keys(nested).length > 0) out[key] = nested;
    } else if (!deepEqual(old, value)) out[key] = value;
  }
  for (const key of Object.keys(before)) if (!(key in after)) out[key] = undefined;
  return out;
}

function isRecord(value: unknown): value is Plain {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function orderChunks(chunks: readonly { key: readonly string[]; data: Uint8Array }[]): Uint8Array[] {
  const snapshots = chunks.filter((c) => c.key[1] === 'snapshot').map((c) => c.data);
  const incrementals = chunks.filter((c) => c.key[1] !== 'snapshot').map((c) => c.data);
  return [...snapshots, ...incrementals];
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
