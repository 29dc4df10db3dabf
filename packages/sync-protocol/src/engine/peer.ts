import { createHash } from 'node:crypto';
import type { Inbox, InboxResult } from '@gymedge/store';
import type { Logger } from 'pino';
import {
  type Ack,
  type ChangeBatch,
  type ChangeItem,
  PROTOCOL_VERSION,
  type WrappedKey,
} from '../payloads.ts';
import type { SyncCursors } from './cursors.ts';
import { type MemberKeys, unwrapKey, wrapKey } from './keys.ts';
import type { ChangeOutbox } from './outbox.ts';

interface InFlight {
  readonly batchId: string;
  readonly seqTo: number;
  readonly sentAt: number;
  acked: boolean;
}

export interface BatchSenderOptions {
  readonly self: string;
  readonly peer: string;
  /** Name of the cursor stream (e.g. `changes-up`). */
  readonly stream: string;
  readonly outbox: ChangeOutbox;
  readonly cursors: SyncCursors;
  /** Sends a batch (chunked by the caller if needed). Rejections are logged; the batch is resent later. */
  readonly send: (batch: ChangeBatch) => Promise<void>;
  /** Wrapped member keys for the member documents of a batch. */
  readonly keysFor?: (docIds: readonly string[]) => WrappedKey[];
  /** Seals of the changes of an item (HQ seals what it sends down: see engine/seals.ts). */
  readonly sealsFor?: (item: ChangeItem) => string[] | undefined;
  /** Called after the durable position moved (the unit prunes its log there). */
  readonly onAcked?: (position: number) => void;
  /** Batches in flight at once. */
  readonly window?: number;
  /** A batch not acknowledged after this long is sent again (with everything after it). */
  readonly resendAfterMs?: number;
  /**
   * Writes the durable position at most this often (0, the default: at every ack). Each write is a
   * transaction of its own (an fsync) beside the unit's own writes; a position written late only means a
   * resend after a crash (the receiver ignores what it has). `onAcked` follows the written position.
   */
  readonly persistEveryMs?: number;
  readonly logger: Logger;
}

/**
 * Ships the change log to one peer: up to `window` batches in flight, each acknowledged by the peer
 * only after its durable commit; the durable position (`sync_cursors`) moves over the longest run of
 * acknowledged batches. After a reconnect, or a batch unacknowledged for too long, everything after the
 * durable position is sent again: delivery is at least once, and the receiver ignores what it has.
 */
export class BatchSender {
  readonly #o: BatchSenderOptions;
  readonly #inFlight: InFlight[] = [];
  #sentUpTo: number;
  /** Acknowledged ranges not yet contiguous with the position: from → to. */
  readonly #ranges = new Map<number, number>();
  #resendAfter: number;
  /** The acknowledged position (in memory); `sync_cursors` holds it as of the last write. */
  #position: number;
  #persistedAt = 0;
  #positionDirty = false;
  #online = false;
  #pumping = false;
  #again = false;
  lastAckAt: Date | undefined;

  constructor(options: BatchSenderOptions) {
    this.#o = options;
    this.#sentUpTo = options.cursors.get(options.peer, options.stream);
    this.#position = this.#sentUpTo;
    this.#resendAfter = options.resendAfterMs ?? 15_000;
  }

  /** The peer's acknowledged position in our log (written to `sync_cursors` by `persistEveryMs`). */
  get position(): number {
    return this.#position;
  }

  /**
   * Writes the acknowledged position if it moved since it was last written and `persistEveryMs` has
   * passed (at once with `now`).
   */
  persistPosition(now = false): void {
    if (!this.#positionDirty) return;
    if (!now && Date.now() - this.#persistedAt < (this.#o.persistEveryMs ?? 0)) return;
    this.#positionDirty = false;
    this.#persistedAt = Date.now();
    this.#o.cursors.advance(this.#o.peer, this.#o.stream, this.#position);
    this.#o.onAcked?.(this.#position);
  }

  pending(): { count: number; oldestAt: string | undefined } {
    return this.#o.outbox.pending(this.position);
  }

  get inFlight(): number {
    return this.#inFlight.length;
  }

  /** The link is up: start (again) from the durable position. */
  online(): void {
    this.#online = true;
    this.#restart();
  }

  offline(): void {
    this.#online = false;
  }

  /** New changes may be in the log. */
  poke(): void {
    this.#pump();
  }

  /**
   * Resends what has waited too long for its acknowledgement (QoS 1 on a persistent session delivers it
   * anyway unless the broker lost the session); the wait doubles after each resend, up to 8 times.
   */
  tick(now = Date.now()): void {
    this.persistPosition();
    const oldest = this.#inFlight[0];
    if (oldest !== undefined && now - oldest.sentAt > this.#resendAfter) {
      this.#o.logger.info({ peer: this.#o.peer, batchId: oldest.batchId }, 'no acknowledgement: resending');
      this.#resendAfter = Math.min(this.#resendAfter * 2, (this.#o.resendAfterMs ?? 15_000) * 8);
      this.#restart();
    } else this.#pump();
  }

  /**
   * An acknowledgement arrived. Any acknowledged range counts, also one of an earlier send of the same
   * changes (after a resend its batch id differs): the durable position moves over every contiguous
   * acknowledged range, so a backlog of duplicates at a slow receiver never stalls the sender.
   */
  acked(ack: Ack): void {
    const entry = this.#inFlight.find((f) => f.batchId === ack.batchId);
    if (entry !== undefined) entry.acked = true;
    if (ack.seqFrom !== undefined && ack.seqTo !== undefined) {
      this.#ranges.set(ack.seqFrom, Math.max(this.#ranges.get(ack.seqFrom) ?? 0, ack.seqTo));
    } else if (entry === undefined) return;
    this.lastAckAt = new Date();
    const before = this.position;
    let position = before;
    while (this.#inFlight[0]?.acked === true)
      position = Math.max(position, this.#inFlight.shift()?.seqTo ?? 0);
    for (let to = this.#ranges.get(position + 1); to !== undefined; to = this.#ranges.get(position + 1)) {
      this.#ranges.delete(position + 1);
      position = Math.max(position, to);
    }
    for (const from of this.#ranges.keys()) if (from <= position) this.#ranges.delete(from);
    while (this.#inFlight[0] !== undefined && this.#inFlight[0].seqTo <= position) this.#inFlight.shift();
    if (position > before) {
      this.#position = position;
      this.#positionDirty = true;
      this.persistPosition();
      this.#resendAfter = this.#o.resendAfterMs ?? 15_000;
      if (this.#sentUpTo < position) this.#sentUpTo = position;
    }
    this.#pump();
  }

  #restart(): void {
    this.#inFlight.length = 0;
    this.#sentUpTo = this.position;
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (this.#online && this.#inFlight.length < (this.#o.window ?? 4)) {
          const next = this.#o.outbox.next(this.#sentUpTo);
          if (next === undefined) break;
          const batchId = batchIdOf(
            this.#o.self,
            next.seqFrom,
            next.seqTo,
            next.items.map((i) => i.hash.join()),
          );
          const keys = this.#o.keysFor?.(next.items.map((i) => i.docId)) ?? [];
          const batch: ChangeBatch = {
            v: PROTOCOL_VERSION,
            batchId,
            from: this.#o.self,
            seqFrom: next.seqFrom,
            seqTo: next.seqTo,
            sentAt: new Date().toISOString(),
            changes:
              this.#o.sealsFor === undefined
                ? next.items
                : next.items.map((item) => {
                    const seals = this.#o.sealsFor?.(item);
                    return seals === undefined ? item : { ...item, seals };
                  }),
            ...(keys.length > 0 ? { keys } : {}),
          };
          this.#inFlight.push({ batchId, seqTo: next.seqTo, sentAt: Date.now(), acked: false });
          this.#sentUpTo = next.seqTo;
          this.#o.send(batch).catch((error: unknown) => {
            this.#o.logger.debug({ err: error, batchId }, 'batch not sent; will resend');
          });
        }
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }
}

/** A batch id that names what it holds: a resend of the same changes has the same id. */
export function batchIdOf(self: string, seqFrom: number, seqTo: number, hashes: readonly string[]): string {
  const digest = createHash('sha256').update(hashes.join('|')).digest('hex').slice(0, 16);
  return `${self}:${seqFrom}-${seqTo}:${digest}`;
}

export interface ReceiveOptions {
  readonly inbox: Inbox;
  /** The authenticated sender (from the topic, which the broker's ACL ties to the identity). */
  readonly peer: string;
  readonly linkKey?: Uint8Array;
  readonly keys?: MemberKeys;
  /**
   * Whom the inbox judges an item as (default `peer`): HQ passes `hq` for a unit's repair send of
   * chain-wide changes that carry HQ's own valid seals (engine/seals.ts).
   */
  readonly peerOf?: (item: ChangeItem) => string;
  readonly logger: Logger;
}

/**
 * Applies a change batch through the inbox and returns the acknowledgement to send, once every
 * change in it is durable (applied, buffered or quarantined). Keys travel first, so the projection of a
 * member can read the name that arrives with it.
 */
export async function receiveBatch(batch: ChangeBatch, options: ReceiveOptions): Promise<Ack> {
  const totals: InboxResult = { applied: 0, duplicates: 0, buffered: 0, quarantined: 0, reverted: 0 };
  if (options.linkKey !== undefined && options.keys !== undefined) {
    const entries: Array<{ memberId: string; key: Uint8Array }> = [];
    for (const k of batch.keys ?? []) {
      if (options.keys.get(k.memberId) !== undefined) continue;
      const key = unwrapKey(options.linkKey, k.memberId, k.wrapped);
      if (key === undefined)
        options.logger.warn({ memberId: k.memberId }, 'a member key did not unwrap: ignored');
      else entries.push({ memberId: k.memberId, key });
    }
    if (options.keys.putAll !== undefined) options.keys.putAll(entries);
    else for (const e of entries) options.keys.put(e.memberId, e.key);
  }
  // The changes of one document in a batch are merged in one step (one validation, one write).
  const byDoc = new Map<string, { docId: string; peer: string; parts: Uint8Array[] }>();
  for (const item of batch.changes) {
    const peer = options.peerOf?.(item) ?? options.peer;
    const key = `${item.docId} ${peer}`;
    const group = byDoc.get(key) ?? { docId: item.docId, peer, parts: [] };
    group.parts.push(Buffer.from(item.bytes, 'base64'));
    byDoc.set(key, group);
  }
  const outcomes = await Promise.all(
    [...byDoc.values()].map((g) => options.inbox.receive(g.docId, Buffer.concat(g.parts), g.peer)),
  );
  for (const o of outcomes) {
    totals.applied += o.applied;
    totals.duplicates += o.duplicates;
    totals.buffered += o.buffered;
    totals.quarantined += o.quarantined;
    totals.reverted += o.reverted;
  }
  return {
    v: PROTOCOL_VERSION,
    batchId: batch.batchId,
    of: 'changes',
    ...(batch.seqFrom === undefined ? {} : { seqFrom: batch.seqFrom }),
    ...(batch.seqTo === undefined ? {} : { seqTo: batch.seqTo }),
    applied: totals.applied + totals.reverted,
    duplicates: totals.duplicates,
    buffered: totals.buffered,
    quarantined: totals.quarantined,
    reverted: totals.reverted,
    at: new Date().toISOString(),
  };
}

/** Wrapped keys of the member documents among `docIds` that `keys` holds. */
export function wrapKeysFor(docIds: readonly string[], keys: MemberKeys, linkKey: Uint8Array): WrappedKey[] {
  const out: WrappedKey[] = [];
  const seen = new Set<string>();
  for (const id of docIds) {
    if (!id.startsWith('member:') || seen.has(id)) continue;
    seen.add(id);
    const key = keys.get(id);
    if (key !== undefined) out.push({ memberId: id, wrapped: wrapKey(linkKey, id, key) });
  }
  return out;
}
