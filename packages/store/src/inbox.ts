import { createHash } from 'node:crypto';
import * as A from '@automerge/automerge';
import { type DocType, parseDocId, REGISTRY, validateDocument } from '@gymedge/crdt-schema';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import {
  DocumentInvalidError,
  type DocumentStore,
  type IncomingWrite,
  type WriteHook,
} from './document-store.ts';
import { applyPatch, deepEqual, type Plain, toPlain } from './plain.ts';

/** The identity of HQ as a peer (matches `@gymedge/sync-protocol`'s `HQ_PEER`). */
export const HQ_PEER_ID = 'hq';

/** What one delivery did. Every count is durable once `receive` resolves (a sender may then be acked). */
export interface InboxResult {
  /** Changes merged into the document. */
  applied: number;
  /** Changes the document already had (a re-delivery): ignored. */
  duplicates: number;
  /** Changes waiting for changes they depend on: kept on disk, applied when those arrive. */
  buffered: number;
  /** Changes kept in quarantine and not applied (garbage, a document that cannot exist, a newer schema). */
  quarantined: number;
  /** Changes applied to the history but undone by a repair change (refused by schema or authorisation). */
  reverted: number;
  /** Why the last change was held or refused, when one was. */
  reason?: string;
}

/** What retrying one quarantined change did (`Inbox.retry`). */
export interface RetryResult {
  readonly outcome: 'applied' | 'buffered' | 'duplicate' | 'quarantined';
  readonly reason?: string;
}

/** What the authorisation rule sees: the document before and after the change, and who sent it. */
export interface AuthorisationContext {
  readonly docId: string;
  readonly before: Plain | undefined;
  readonly after: Plain;
  /** The sender, as the broker authenticated it: a unit id, or `hq`. */
  readonly peer: string;
}

/** Returns why a change is refused, or undefined when the peer may make it. */
export type Authorise = (context: AuthorisationContext) => string | undefined;

const FIXED = ['id', 'type', 'unitId', 'createdAt'] as const;

/**
 * The chain's rule for who may write what: HQ may write every document; a unit only documents of its
 * own unit (`unitId` equal to its id). Chain-wide documents (`unitId: 'chain'`: plans, class types,
 * staff, the member directory) are HQ's alone. Nobody moves a document to another unit or rewrites
 * its id, type or `createdAt`.
 */
export const chainAuthorisation: Authorise = ({ before, after, peer }) => {
  if (before !== undefined) {
    for (const field of FIXED) {
      if (!deepEqual(before[field], after[field])) return `${peer} may not change ${field}`;
    }
  }
  if (peer === HQ_PEER_ID) return undefined;
  if (after.unitId === 'chain') return `only HQ writes chain-wide documents; ${peer} tried`;
  if (after.unitId !== peer) return `${peer} may not write a document of unit ${String(after.unitId)}`;
  return undefined;
};

export interface InboxOptions {
  readonly store: DocumentStore;
  readonly db: Database;
  readonly logger: Logger;
  /** Defaults to `chainAuthorisation`. */
  readonly authorise?: Authorise;
  /**
   * Extra SQL committed with an applied document (the unit destroys a member's key when the member
   * arrives erased, so erasure anywhere destroys the key everywhere the document goes).
   */
  readonly onApplied?: (doc: Plain, peer: string) => void;
  readonly clock?: () => Date;
}

interface DecodedChange {
  readonly hash: string;
  readonly actor: string;
  readonly deps: readonly string[];
  readonly bytes: Uint8Array;
}

/**
 * The inbox: merges changes that other replicas made into the document store.
 *
 * - It stores exactly the bytes that arrived (plus, at most, one local repair change), never a re-save
 *   of the whole history, and logs them with the remote actor and the real change hash.
 * - A change whose dependencies have not arrived is buffered on disk (`inbox_pending`) and applied as
 *   soon as they do, in the same transaction as the change that completes it.
 * - A change that breaks the schema or the authorisation rule is not refused from the history (that
 *   would fork the replicas for good, since every later change of its sender depends on it): it is
 *   merged, and a repair change made here puts back the last valid state; the refusal is recorded in
 *   `quarantine` (resolved) for the dashboard. Only what cannot be merged at all is held in quarantine:
 *   bytes that are not Automerge changes, a document whose first change is invalid, and a change from a
 *   newer schema than this build knows (retried by `retryQuarantined` after an upgrade).
 */
export class Inbox {
  readonly #store: DocumentStore;
  readonly #db: Database;
  readonly #log: Logger;
  readonly #authorise: Authorise;
  readonly #onApplied: ((doc: Plain, peer: string) => void) | undefined;
  readonly #clock: () => Date;
  readonly #sql: {
    pendingOf: Statement<[string], { hash: string; bytes: Buffer; from_peer: string }>;
    addPending: Statement<[string, string, string, Uint8Array, string]>;
    dropPending: Statement<[string, string]>;
    countPending: Statement<[], { n: number }>;
    quarantine: Statement<Record<string, unknown>>;
    held: Statement<[], { id: number; doc_id: string; from_unit: string | null; bytes: Buffer }>;
    one: Statement<
      [number],
      {
        id: number;
        doc_id: string;
        from_unit: string | null;
        bytes: Buffer | null;
        resolved_at: string | null;
      }
    >;
    resolve: Statement<[string, number]>;
  };

  constructor(options: InboxOptions) {
    this.#store = options.store;
    this.#db = options.db;
    this.#log = options.logger.child({ module: 'inbox' });
    this.#authorise = options.authorise ?? chainAuthorisation;
    this.#onApplied = options.onApplied;
    this.#clock = options.clock ?? (() => new Date());
    const db = this.#db;
    db.exec(`CREATE TABLE IF NOT EXISTS inbox_pending (
      doc_id TEXT NOT NULL, hash TEXT NOT NULL, from_peer TEXT NOT NULL, bytes BLOB NOT NULL, received_at TEXT NOT NULL,
      PRIMARY KEY (doc_id, hash)) WITHOUT ROWID`);
    this.#sql = {
      pendingOf: db.prepare(
        'SELECT hash, bytes, from_peer FROM inbox_pending WHERE doc_id = ? ORDER BY received_at',
      ),
      addPending: db.prepare(
        'INSERT OR IGNORE INTO inbox_pending (doc_id, hash, from_peer, bytes, received_at) VALUES (?, ?, ?, ?, ?)',
      ),
      dropPending: db.prepare('DELETE FROM inbox_pending WHERE doc_id = ? AND hash = ?'),
      countPending: db.prepare('SELECT count(*) AS n FROM inbox_pending'),
      quarantine:
        db.prepare(`INSERT INTO quarantine (doc_id, doc_type, origin, from_unit, reason, bytes, received_at, resolved_at)
        VALUES (@docId, @docType, 'remote', @fromUnit, @reason, @bytes, @at, @resolvedAt)`),
      held: db.prepare(
        `SELECT id, doc_id, from_unit, bytes FROM quarantine WHERE resolved_at IS NULL AND origin = 'remote' AND bytes IS NOT NULL ORDER BY id`,
      ),
      one: db.prepare('SELECT id, doc_id, from_unit, bytes, resolved_at FROM quarantine WHERE id = ?'),
      resolve: db.prepare('UPDATE quarantine SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL'),
    };
  }

  /** Changes waiting for their dependencies. */
  pendingCount(): number {
    return this.#sql.countPending.get()?.n ?? 0;
  }

  /**
   * Merges `bytes` (one or more Automerge changes of document `docId`) from `peer`. Never throws for
   * bad input: what cannot be merged is quarantined and counted. Resolves once everything is durable.
   */
  receive(docId: string, bytes: Uint8Array, peer: string): Promise<InboxResult> {
    // Time-sliced on the store's background queue: a burst of thousands of deliveries is merged a few
    // milliseconds at a time, in order, with the event loop free for requests in between.
    return this.#store.background(() => this.#receiveNow(docId, bytes, peer));
  }

  /**
   * `receive` with extra SQL committed in the same transaction as the write (or at once, when the
   * delivery writes no document: held, buffered or a duplicate).
   */
  async #receiveNow(docId: string, bytes: Uint8Array, peer: string, also?: WriteHook): Promise<InboxResult> {
    let written = false;
    const result = await this.#deliver(docId, bytes, peer, (write) => {
      if (also === undefined) return write;
      written = true;
      const inner = write.options?.also;
      return {
        ...write,
        options: {
          ...write.options,
          also: () => {
            inner?.();
            also();
          },
        },
      };
    });
    if (also !== undefined && !written) also();
    return result;
  }

  async #deliver(
    docId: string,
    bytes: Uint8Array,
    peer: string,
    wrap: (write: IncomingWrite) => IncomingWrite,
  ): Promise<InboxResult> {
    const result: InboxResult = { applied: 0, duplicates: 0, buffered: 0, quarantined: 0, reverted: 0 };
    const parsed = parseDocId(docId);
    if (parsed === undefined) {
      this.#hold(docId, undefined, peer, 'not a document id', bytes, result);
      return result;
    }
    const changes = decodeChanges(bytes);
    if (changes === undefined) {
      this.#hold(docId, parsed.type, peer, 'not Automerge change data', bytes, result);
      return result;
    }
    const incoming = new Map<string, DecodedChange & { from: string }>();
    for (const change of changes) incoming.set(change.hash, { ...change, from: peer });
    let write: Promise<void> | undefined;
    try {
      write = this.#store.mergeIncoming(docId, (current) => {
        const merged = this.#merge(docId, parsed.type, current, incoming, peer, result);
        return merged === undefined ? undefined : wrap(merged);
      });
    } catch (error) {
      if (!(error instanceof DocumentInvalidError)) throw error;
      this.#hold(docId, parsed.type, peer, `local copy unreadable: ${error.message}`, bytes, result);
      return result;
    }
    if (write !== undefined) await write;
    return result;
  }

  /**
   * Retries every change held in quarantine (after an upgrade that knows a newer schema, or once the
   * first change of a document arrives). Returns how many were applied this time.
   */
  async retryQuarantined(): Promise<number> {
    let applied = 0;
    for (const row of this.#sql.held.all()) {
      const outcome = await this.#retryRow(row);
      if (outcome.outcome === 'applied') applied++;
    }
    return applied;
  }

  /**
   * Hands one change held in quarantine (by its `quarantine.id`) to the inbox again, with the same
   * dependency buffering and authorisation as any delivery, and settles the row in the same transaction
   * as the write. A change held again gets a new row with today's reason. Undefined if no such row.
   */
  async retry(id: number): Promise<RetryResult | undefined> {
    const row = this.#sql.one.get(id);
    if (row === undefined) return undefined;
    if (row.resolved_at !== null) return { outcome: 'duplicate', reason: 'already resolved' };
    if (row.bytes === null) return { outcome: 'quarantined', reason: 'nothing to retry: no change bytes' };
    return this.#retryRow({ ...row, bytes: row.bytes });
  }

  #retryRow(row: {
    id: number;
    doc_id: string;
    from_unit: string | null;
    bytes: Buffer;
  }): Promise<RetryResult> {
    const settle = (): void => {
      this.#sql.resolve.run(this.#clock().toISOString(), row.id);
    };
    const peer = row.from_unit ?? 'unknown';
    return this.#store
      .background(() => this.#receiveNow(row.doc_id, new Uint8Array(row.bytes), peer, settle))
      .then((r) => {
        if (r.quarantined > 0 || r.reverted > 0)
          return { outcome: 'quarantined' as const, ...(r.reason === undefined ? {} : { reason: r.reason }) };
        if (r.applied > 0) return { outcome: 'applied' as const };
        if (r.buffered > 0) return { outcome: 'buffered' as const };
        return { outcome: 'duplicate' as const };
      });
  }

  #merge(
    docId: string,
    type: DocType,
    current: Readonly<{ doc: A.Doc<Plain>; plain: Plain }> | undefined,
    incoming: Map<string, DecodedChange & { from: string }>,
    peer: string,
    result: InboxResult,
  ): IncomingWrite | undefined {
    const known = (hash: string): boolean => current !== undefined && A.hasHeads(current.doc, [hash]);
    // Re-deliveries are ignored; changes buffered earlier join the new ones.
    for (const [hash] of incoming) {
      if (known(hash)) {
        incoming.delete(hash);
        result.duplicates++;
      }
    }
    const fromBuffer = new Set<string>();
    for (const row of this.#sql.pendingOf.all(docId)) {
      if (incoming.has(row.hash) || known(row.hash)) {
        if (known(row.hash)) this.#sql.dropPending.run(docId, row.hash);
        continue;
      }
      const [change] = decodeChanges(new Uint8Array(row.bytes)) ?? [];
      if (change === undefined) continue;
      incoming.set(row.hash, { ...change, from: row.from_peer });
      fromBuffer.add(row.hash);
    }
    // Changes whose dependencies are all present, in an order where each follows what it depends on.
    const ready: Array<DecodedChange & { from: string }> = [];
    const readySet = new Set<string>();
    let progress = true;
    while (progress) {
      progress = false;
      for (const [hash, change] of incoming) {
        if (readySet.has(hash)) continue;
        if (change.deps.every((dep) => known(dep) || readySet.has(dep))) {
          ready.push(change);
          readySet.add(hash);
          progress = true;
        }
      }
    }
    const waiting = [...incoming.values()].filter((c) => !readySet.has(c.hash) && !fromBuffer.has(c.hash));
    result.buffered += waiting.length;
    const buffer = (): void => {
      if (waiting.length === 0) return;
      const at = this.#clock().toISOString();
      for (const change of waiting)
        this.#sql.addPending.run(docId, change.hash, change.from, change.bytes, at);
    };
    if (ready.length === 0) {
      buffer();
      return undefined;
    }
    const readyBytes = concat(ready.map((c) => c.bytes));
    // Validate on a copy first: the live document is only touched once the outcome is known.
    const base =
      current === undefined
        ? A.init<Plain>({ actor: this.#store.actorId as A.ActorId })
        : A.clone(current.doc, { actor: this.#store.actorId as A.ActorId });
    let trial: A.Doc<Plain>;
    try {
      trial = A.loadIncremental(base, readyBytes);
    } catch (error) {
      // Headers read well but the operations do not: nothing of it is merged.
      A.free(base);
      buffer();
      const why = `not Automerge change data: ${error instanceof Error ? error.message : String(error)}`;
      for (const change of ready)
        this.#hold(docId, type, change.from, why.slice(0, 300), change.bytes, result);
      return undefined;
    }
    const after = readable(trial, type);
    let reason = after.ok
      ? this.#authorise({ docId, before: current?.plain, after: after.plain, peer })
      : after.reason;
    if (after.ok && after.plain.id !== docId) reason = `document says it is ${String(after.plain.id)}`;
    const fromBufferUsed = ready.filter((c) => fromBuffer.has(c.hash));
    const dropUsed = (): void => {
      for (const change of fromBufferUsed) this.#sql.dropPending.run(docId, change.hash);
    };
    if (reason !== undefined && (current === undefined || (!after.ok && after.newer))) {
      // Nothing valid to go back to, or a schema this build does not know: hold the changes.
      A.free(trial);
      buffer();
      dropUsed();
      for (const change of ready) this.#hold(docId, type, change.from, reason, change.bytes, result);
      return undefined;
    }
    let repair: Uint8Array | undefined;
    let plain = after.ok ? after.plain : undefined;
    // The trial copy becomes the live document (it holds the same history plus the new changes), so the
    // changes are merged once, not a second time onto the live document.
    let doc = trial;
    if (reason !== undefined && current !== undefined) {
      const bad = toPlain(trial) as Plain;
      const restored = A.change(trial, { message: `repair: ${reason}`.slice(0, 200) }, (draft) =>
        applyPatch(draft, bad, diffPatch(bad, current.plain)),
      );
      const back = readable(restored, type);
      if (!back.ok) {
        A.free(restored);
        buffer();
        dropUsed();
        for (const change of ready)
          this.#hold(docId, type, change.from, `${reason} (repair failed)`, change.bytes, result);
        return undefined;
      }
      repair = A.getLastLocalChange(restored);
      plain = back.plain;
      doc = restored;
      this.#log.warn({ docId, peer, reason }, 'remote change refused and repaired by a new change');
      result.reverted += ready.length;
      result.reason = reason;
    }
    if (plain === undefined) {
      A.free(doc);
      return undefined;
    }
    // The live document is replaced by the copy (the store then counts its changes as saved: see
    // `mergeIncoming`); the old one is freed here, since nothing else holds it.
    if (current !== undefined) A.free(current.doc);
    // The owner of an older-version document writes its migration (once, here); others only read it
    // migrated (see DocumentStore's `chainOwner`), so no two replicas create the same nested object.
    let migration: Uint8Array | undefined;
    if (after.ok && after.migrateFrom !== undefined && this.#store.ownsDocument(after.plain)) {
      const before = A.getHeads(doc);
      doc = migrate(doc, type, after.migrateFrom);
      migration = A.saveSince(doc, before);
    }
    result.applied += ready.length - (repair === undefined ? 0 : ready.length);
    const last = ready[ready.length - 1] as DecodedChange;
    const finalPlain = plain;
    const refused = reason;
    const also: WriteHook = () => {
      buffer();
      dropUsed();
      if (refused !== undefined) {
        const at = this.#clock().toISOString();
        this.#sql.quarantine.run({
          docId,
          docType: type,
          fromUnit: peer,
          reason: `repaired by a new change: ${refused}`,
          bytes: readyBytes,
          at,
          resolvedAt: at,
        });
      }
      this.#onApplied?.(finalPlain, peer);
    };
    return {
      doc,
      plain: finalPlain,
      bytes: concat([
        readyBytes,
        ...(repair === undefined ? [] : [repair]),
        ...(migration === undefined ? [] : [migration]),
      ]),
      changeHash: repair === undefined && migration === undefined ? last.hash : (A.getHeads(doc)[0] ?? null),
      actor: repair === undefined && migration === undefined ? last.actor : this.#store.actorId,
      fromUnit: peer,
      options: { also },
    };
  }

  #hold(
    docId: string,
    docType: DocType | undefined,
    peer: string,
    reason: string,
    bytes: Uint8Array,
    result: InboxResult,
  ): void {
    result.quarantined++;
    result.reason = reason;
    this.#sql.quarantine.run({
      docId,
      docType: docType ?? null,
      fromUnit: peer,
      reason,
      bytes,
      at: this.#clock().toISOString(),
      resolvedAt: null,
    });
    this.#log.warn({ docId, peer, reason }, 'remote change quarantined');
  }
}

/** Applies the schema migrations from version `from` to the current one, as changes of `doc`. */
function migrate(doc: A.Doc<Plain>, type: DocType, from: number): A.Doc<Plain> {
  const spec = REGISTRY[type];
  let next = doc;
  for (let version = from; version < spec.version; version++) {
    const step = spec.migrations[version - 1];
    if (step === undefined) break;
    next = A.change(next, { message: `migrate ${type} v${version}→v${version + 1}` }, (draft) => step(draft));
  }
  return next;
}

/** The plain state of a document, migrated in memory when it is of an older version (never written). */
function readable(
  doc: A.Doc<Plain>,
  type: DocType,
): { ok: true; plain: Plain; migrateFrom?: number } | { ok: false; reason: string; newer: boolean } {
  let plain = toPlain(doc) as Plain;
  let checked = validateDocument(plain, type);
  let migrateFrom: number | undefined;
  if (!checked.ok && checked.needsMigration) {
    migrateFrom = checked.needsMigration.from;
    const copy = migrate(A.clone(doc), type, migrateFrom);
    plain = toPlain(copy) as Plain;
    A.free(copy);
    checked = validateDocument(plain, type);
  }
  if (checked.ok)
    return { ok: true, plain: stripUndefined(plain), ...(migrateFrom === undefined ? {} : { migrateFrom }) };
  return { ok: false, reason: checked.reason, newer: checked.reason.includes('newer than this build') };
}

/** The patch that turns `from` into `to` (for `applyPatch`): nested objects are patched, never recreated. */
function diffPatch(from: Plain, to: Plain): Plain {
  const patch: Plain = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = undefined;
  for (const [key, value] of Object.entries(to)) {
    const was = from[key];
    if (deepEqual(was, value)) continue;
    patch[key] = isRecord(value) && isRecord(was) ? diffPatch(was, value) : value;
  }
  return patch;
}

function isRecord(value: unknown): value is Plain {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function stripUndefined(value: Plain): Plain {
  const out: Plain = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[key] = isRecord(v) ? stripUndefined(v) : v;
  }
  return out;
}

const MAGIC = [0x85, 0x6f, 0x4a, 0x83];

/**
 * Splits `saveIncremental` output (concatenated change chunks: magic, checksum, type, LEB128 length,
 * body) into single changes and decodes each; undefined if the bytes are anything else.
 */
export function decodeChanges(bytes: Uint8Array): DecodedChange[] | undefined {
  const out: DecodedChange[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 10 || MAGIC.some((b, i) => bytes[at + i] !== b)) return undefined;
    const chunkType = bytes[at + 8];
    if (chunkType !== 1 && chunkType !== 2) return undefined;
    let length = 0;
    let shift = 0;
    let p = at + 9;
    for (;;) {
      const byte = bytes[p++];
      if (byte === undefined || shift > 28) return undefined;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) break;
    }
    const end = p + length;
    if (end > bytes.length) return undefined;
    const piece = bytes.subarray(at, end);
    if (chunkType === 1) {
      const header = changeHeader(piece, p - at);
      if (header === undefined) return undefined;
      out.push({ ...header, bytes: Uint8Array.from(piece) });
    } else {
      // A compressed change (its header is inside the deflated body): Automerge decodes it whole.
      try {
        const decoded = A.decodeChange(piece);
        out.push({
          hash: decoded.hash,
          actor: decoded.actor,
          deps: decoded.deps,
          bytes: Uint8Array.from(piece),
        });
      } catch {
        return undefined;
      }
    }
    at = end;
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The hash, dependencies and actor of an uncompressed change chunk, read from its header without
 * decoding its operations (`Automerge.decodeChange` decodes them all, and was a fifth of HQ's ingest).
 * The hash is the SHA-256 of the chunk after its checksum, and the checksum its first 4 bytes, so a
 * damaged chunk is refused here; the operations are checked when the change is merged.
 */
function changeHeader(
  piece: Uint8Array,
  bodyAt: number,
): { hash: string; actor: string; deps: string[] } | undefined {
  const digest = createHash('sha256').update(piece.subarray(8)).digest();
  for (let i = 0; i < 4; i++) if (digest[i] !== piece[4 + i]) return undefined;
  let p = bodyAt;
  const uleb = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const byte = piece[p++];
      if (byte === undefined) return undefined;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  const count = uleb();
  if (count === undefined || p + count * 32 > piece.length) return undefined;
  const deps: string[] = [];
  for (let i = 0; i < count; i++, p += 32) deps.push(Buffer.from(piece.subarray(p, p + 32)).toString('hex'));
  const actorLength = uleb();
  if (actorLength === undefined || actorLength === 0 || p + actorLength > piece.length) return undefined;
  const actor = Buffer.from(piece.subarray(p, p + actorLength)).toString('hex');
  return { hash: digest.toString('hex'), actor, deps };
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
