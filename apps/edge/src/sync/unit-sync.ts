import { EventEmitter } from 'node:events';
import { REGISTRY } from '@gymedge/crdt-schema';
import { type DocumentStore, Inbox, SqliteStorageAdapter } from '@gymedge/store';
import {
  type Ack,
  BatchSender,
  type ChangeBatch,
  ChangeOutbox,
  decode,
  digestOf,
  encode,
  HeadsIndex,
  type HeadsReport,
  HQ_PEER,
  type MemberKeys,
  MqttLink,
  PROTOCOL_VERSION,
  packetsFor,
  parseTopic,
  planRepair,
  Reassembler,
  type RepairRequest,
  type RepairScope,
  receiveBatch,
  SealStore,
  type SyncCredentials,
  SyncCursors,
  TOPICS,
  topicFor,
  type UnitState,
  unitSubscriptions,
  wrapKeysFor,
} from '@gymedge/sync-protocol';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../lib/logger.ts';
import { RecordShipper } from './records.ts';

/** What the unit shows about its link to HQ (/health, /metrics, the screens' indicator). */
export interface SyncStatus {
  readonly state: 'connected' | 'disconnected' | 'stopped';
  readonly connected: boolean;
  /** Changes made here that HQ has not acknowledged yet. */
  readonly pendingChanges: number;
  /** Append-only records (check-ins, events, occupancy) not shipped yet. */
  readonly pendingRecords: number;
  /** When HQ last acknowledged something (ISO), if ever. */
  readonly lastSyncAt: string | undefined;
  /** Age of the oldest unacknowledged change, in seconds (0 when nothing is pending). */
  readonly lagSeconds: number;
  /** Changes from HQ waiting here for changes they depend on. */
  readonly bufferedChanges: number;
  readonly hqOnline: boolean | undefined;
}

export interface UnitSyncOptions {
  readonly credentials: SyncCredentials;
  readonly db: Database;
  readonly store: DocumentStore;
  readonly logger: Logger;
  /** Member keys of this unit (its `member_keys`), for wrapping them towards HQ and storing HQ's. */
  readonly keys: MemberKeys;
  /** Destroys a member's key when the member arrives erased (erasure made at HQ or elsewhere). */
  readonly destroyKey?: (memberId: string, erasedAt: string, peer: string) => void;
  readonly version?: string;
  /** Payloads above this are chunked (the broker's own limit wins when it announces one). */
  readonly maxPacketBytes?: number;
  /** How often the unit compares its heads with HQ's when idle. */
  readonly repairEveryMs?: number;
  /** How often the retained state (with pending count and lag) is refreshed. */
  readonly stateEveryMs?: number;
  readonly resendAfterMs?: number;
}

export interface UnitSyncEvents {
  status: [SyncStatus];
}

/**
 * The unit's side of sync: one MQTT link to HQ's broker; the change log shipped in batches that HQ
 * acknowledges after its durable commit (the log is pruned only then); chain-wide changes from HQ
 * applied through the inbox and acknowledged after our commit; append-only records in idempotent
 * batches; heads compared with HQ's when idle, so a pruned log, a restored backup (either side) or a
 * lost message heals by itself. `start()` and `stop()`; no I/O in the constructor.
 */
export class UnitSync extends EventEmitter<UnitSyncEvents> {
  readonly inbox: Inbox;
  readonly #o: UnitSyncOptions;
  readonly #unit: string;
  readonly #log: Logger;
  readonly #link: MqttLink;
  readonly #sender: BatchSender;
  readonly #records: RecordShipper;
  readonly #heads: HeadsIndex;
  readonly #storage: SqliteStorageAdapter;
  /** HQ's seals of the changes it sent (engine/seals.ts): handed back if HQ restores an old backup. */
  readonly #seals: SealStore;
  readonly #linkKey: Buffer;
  readonly #joiner = new Reassembler();
  readonly #repairParts = new Map<string, RepairRequest[]>();
  readonly #prune: () => void;
  #timer: NodeJS.Timeout | undefined;
  #lastDigestAt = 0;
  #lastStateAt = 0;
  #hqOnline: boolean | undefined;
  #stopped = true;
  #pruneTo = 0;
  /** Whether the log has rows to prune (an ack moved the position, or HQ's changes arrived). */
  #pruneDue = false;
  #prunedAt = 0;
  /** Messages being handled: `stop()` waits for them, so nothing touches the store after it. */
  readonly #busy = new Set<Promise<void>>();

  constructor(options: UnitSyncOptions) {
    super();
    this.#o = options;
    this.#unit = options.credentials.unitId;
    this.#log = options.logger.child({ module: 'sync' });
    this.#linkKey = Buffer.from(options.credentials.linkKey, 'base64');
    const db = options.db;
    this.inbox = new Inbox({
      store: options.store,
      db,
      logger: options.logger,
      onApplied: (doc, peer) => {
        if (doc.type === 'member' && doc.status === 'erased' && typeof doc.id === 'string') {
          options.destroyKey?.(
            doc.id,
            typeof doc.erasedAt === 'string' ? doc.erasedAt : new Date().toISOString(),
            peer,
          );
        }
      },
    });
    const cursors = new SyncCursors(db);
    this.#heads = new HeadsIndex(db);
    this.#storage = new SqliteStorageAdapter(db);
    this.#seals = new SealStore(db);
    // Rows from HQ are no one's outbox here (the unit ships only what it made): they go at the next
    // prune; the unit's own rows only up to what HQ acknowledged. Never the newest row.
    const pruneStatement = db.prepare(
      "DELETE FROM change_log WHERE (seq <= ? OR origin <> 'local') AND seq < (SELECT max(seq) FROM change_log)",
    );
    this.#prune = () => {
      pruneStatement.run(this.#pruneTo);
    };
    this.#sender = new BatchSender({
      self: this.#unit,
      peer: HQ_PEER,
      stream: 'changes-up',
      outbox: new ChangeOutbox({ db, where: "c.origin = 'local'", peer: HQ_PEER }),
      cursors,
      send: (batch) => this.#publishChunked('unitChanges', batch, batch.batchId),
      keysFor: (ids) => wrapKeysFor(ids, options.keys, this.#linkKey),
      onAcked: (position) => {
        // The log is the outbox: pruned only up to what HQ acknowledged, never the newest row (so a
        // sequence number is never reused).
        // Pruned at most once a second (a delete of many rows in one transaction, off the ack path):
        // pruning after every ack cost the unit's own writes a transaction each.
        this.#pruneTo = position;
        this.#pruneDue = true;
        this.#emitStatus();
      },
      ...(options.resendAfterMs === undefined ? {} : { resendAfterMs: options.resendAfterMs }),
      // The position is written once a second, not at every ack (a transaction each, beside the unit's
      // own writes); the log is pruned only up to the written one.
      persistEveryMs: 1000,
      logger: this.#log,
    });
    this.#records = new RecordShipper({
      db,
      unitId: this.#unit,
      send: (batch) => this.#publishChunked('unitRecords', batch, batch.batchId),
      logger: this.#log,
    });
    const will: UnitState = {
      v: PROTOCOL_VERSION,
      unitId: this.#unit,
      state: 'offline',
      at: new Date().toISOString(),
    };
    this.#link = new MqttLink({
      url: options.credentials.brokerUrl,
      clientId: `gymedge-unit-${this.#unit}`,
      username: options.credentials.username,
      password: options.credentials.password,
      ...(options.credentials.caPem === undefined ? {} : { caPem: options.credentials.caPem }),
      ...(options.credentials.protocolVersion === undefined
        ? {}
        : { protocolVersion: options.credentials.protocolVersion }),
      will: { topic: topicFor('unitState', this.#unit), payload: encode('unitState', will) },
      subscriptions: unitSubscriptions(this.#unit),
      logger: this.#log,
    });
    this.#link.on('up', () => this.#onUp());
    this.#link.on('down', () => {
      this.#sender.offline();
      this.#records.offline();
      this.#emitStatus();
    });
    this.#link.on('message', (topic, payload) => {
      const handling = this.#onMessage(topic, payload).catch((error: unknown) =>
        this.#log.error({ err: error, topic }, 'could not handle a message'),
      );
      this.#busy.add(handling);
      void handling.finally(() => this.#busy.delete(handling));
    });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#link.start();
    this.#timer = setInterval(() => this.#tick(), 200);
    this.#timer.unref();
  }

  /** Stops syncing; publishes the retained offline state first. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#link.stop({
      topic: topicFor('unitState', this.#unit),
      payload: encode('unitState', this.#state('offline')),
    });
    // Messages being handled finish first (bounded: a publish waits at most 15 s, we wait 5).
    await Promise.race([
      Promise.allSettled([...this.#busy]),
      new Promise((resolve) => setTimeout(resolve, 5000).unref()),
    ]);
    this.#sender.persistPosition(true);
    if (this.#pruneDue) {
      this.#pruneDue = false;
      this.#prune();
    }
    this.#emitStatus();
  }

  /** New local changes or records were written: ship them soon. */
  poke(): void {
    this.#sender.poke();
    this.#records.poke();
  }

  status(): SyncStatus {
    const pending = this.#sender.pending();
    const lag =
      pending.oldestAt === undefined ? 0 : Math.max(0, (Date.now() - Date.parse(pending.oldestAt)) / 1000);
    const connected = this.#link.connected;
    return {
      state: this.#stopped ? 'stopped' : connected ? 'connected' : 'disconnected',
      connected,
      pendingChanges: pending.count,
      pendingRecords: this.#records.pending(),
      lastSyncAt: this.#sender.lastAckAt?.toISOString(),
      lagSeconds: Math.round(lag * 10) / 10,
      bufferedChanges: this.inbox.pendingCount(),
      hqOnline: this.#hqOnline,
    };
  }

  #state(state: 'online' | 'offline'): UnitState {
    const s = this.status();
    return {
      v: PROTOCOL_VERSION,
      unitId: this.#unit,
      state,
      at: new Date().toISOString(),
      ...(this.#o.version === undefined ? {} : { version: this.#o.version.slice(0, 40) }),
      schema: Object.fromEntries(Object.entries(REGISTRY).map(([type, spec]) => [type, spec.version])),
      pendingChanges: s.pendingChanges,
      lagSeconds: s.lagSeconds,
    };
  }

  #emitStatus(): void {
    this.emit('status', this.status());
  }

  #onUp(): void {
    this.#log.info({ protocolVersion: this.#link.protocolVersion }, 'connected to HQ');
    this.#publishState();
    this.#sender.online();
    this.#records.online();
    this.#lastDigestAt = 0;
    this.#emitStatus();
  }

  #publishState(): void {
    this.#lastStateAt = Date.now();
    this.#link
      .publish(topicFor('unitState', this.#unit), encode('unitState', this.#state('online')), true)
      .catch(() => {});
  }

  #tick(): void {
    this.#sender.persistPosition();
    const at = Date.now();
    if (this.#pruneDue && at - this.#prunedAt >= 1000) {
      this.#pruneDue = false;
      this.#prunedAt = at;
      this.#prune();
    }
    if (!this.#link.connected) return;
    this.#sender.tick();
    this.#records.tick();
    const now = Date.now();
    if (now - this.#lastStateAt > (this.#o.stateEveryMs ?? 5000)) this.#publishState();
    // Heads are compared when the outbox is empty (on connect, then every repairEveryMs).
    const every = this.#o.repairEveryMs ?? 60_000;
    if (
      now - this.#lastDigestAt > every &&
      this.#sender.inFlight === 0 &&
      this.#sender.pending().count === 0
    ) {
      this.#lastDigestAt = now;
      this.#sendDigest('unit');
      this.#sendDigest('chain');
    }
  }

  #owner(scope: RepairScope): string {
    return scope === 'unit' ? this.#unit : 'chain';
  }

  #sendDigest(scope: RepairScope, docs?: HeadsReport['docs']): void {
    const all = this.#heads.of(this.#owner(scope));
    const report: HeadsReport = {
      v: PROTOCOL_VERSION,
      requestId: `${this.#unit}:heads:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
      scope,
      digest: digestOf(all),
      count: all.length,
      ...(docs === undefined ? {} : { docs }),
      at: new Date().toISOString(),
    };
    this.#publishChunked('unitHeads', report, report.requestId).catch(() => {});
  }

  async #publishChunked<K extends 'unitChanges' | 'unitRecords' | 'unitHeads'>(
    kind: K,
    value: Parameters<typeof packetsFor<K>>[2],
    id: string,
  ): Promise<void> {
    const limit = Math.min(
      this.#o.maxPacketBytes ?? 256 * 1024,
      this.#link.maxPacketSize ?? Number.POSITIVE_INFINITY,
    );
    for (const packet of packetsFor(kind, this.#unit, value, id, limit - 512)) {
      await this.#link.publish(packet.topic, packet.payload);
    }
  }

  async #onMessage(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseTopic(topic);
    if (parsed === undefined || (parsed.unit !== undefined && parsed.unit !== this.#unit)) {
      this.#log.warn({ topic }, 'message on an unknown topic: ignored');
      return;
    }
    if (TOPICS[parsed.kind].direction !== 'down') return;
    await this.#handle(parsed.kind, payload);
  }

  async #handle(kind: string, payload: Buffer | string): Promise<void> {
    switch (kind) {
      case 'hqState': {
        const state = decode('hqState', payload);
        if (state.ok) this.#hqOnline = state.value.state === 'online';
        return;
      }
      case 'hqAcks': {
        const ack = decode('hqAcks', payload);
        if (!ack.ok) return this.#refuse(kind, ack.reason);
        if (ack.value.of === 'records') this.#records.acked(ack.value);
        else this.#sender.acked(ack.value);
        return;
      }
      case 'hqChanges': {
        const batch = decode('hqChanges', payload);
        if (!batch.ok) return this.#refuse(kind, batch.reason);
        if (batch.value.from !== HQ_PEER) return this.#refuse(kind, 'a downlink batch not from HQ');
        await this.#applyDownlink(batch.value);
        return;
      }
      case 'hqRepair': {
        const request = decode('hqRepair', payload);
        if (!request.ok) return this.#refuse(kind, request.reason);
        await this.#repair(request.value);
        return;
      }
      case 'hqChunks': {
        const chunk = decode('hqChunks', payload);
        if (!chunk.ok) return this.#refuse(kind, chunk.reason);
        const whole = this.#joiner.add(chunk.value, 'down');
        if (whole === undefined) return;
        if ('refused' in whole) return this.#refuse(kind, whole.refused);
        await this.#handle(whole.of, whole.text);
        return;
      }
    }
  }

  #refuse(kind: string, reason: string): void {
    this.#log.warn({ kind, reason }, 'payload refused');
  }

  async #applyDownlink(batch: ChangeBatch): Promise<void> {
    this.#seals.keepFrom(batch.changes);
    const ack: Ack = await receiveBatch(batch, {
      inbox: this.inbox,
      peer: HQ_PEER,
      linkKey: this.#linkKey,
      keys: this.#o.keys,
      logger: this.#log,
    });
    await this.#link.publish(topicFor('unitAcks', this.#unit), encode('unitAcks', ack)).catch(() => {});
    this.#pruneDue = true;
    this.#emitStatus();
  }

  async #repair(request: RepairRequest): Promise<void> {
    const parts = this.#repairParts.get(request.requestId) ?? [];
    parts.push(request);
    if (parts.length < request.part.count) {
      this.#repairParts.set(request.requestId, parts);
      return;
    }
    this.#repairParts.delete(request.requestId);
    const theirs = parts.flatMap((p) => p.docs);
    const ours = this.#heads.of(this.#owner(request.scope));
    const plan = planRepair(this.#storage, ours, theirs);
    this.#log.info(
      { scope: request.scope, reason: request.reason, send: plan.send.length, want: plan.want.length },
      'repair requested by HQ',
    );
    // Chain-wide documents are HQ's: of them the unit offers only HQ's own changes, those that carry HQ's
    // seal (HQ lost them: it was restored from an old backup); it never offers a change of its own.
    const send =
      request.scope === 'unit'
        ? plan.send.map((s) => ({ ...s, seals: undefined as string[] | undefined }))
        : plan.send.flatMap((s) => {
            const sealed = this.#seals.sealedOf(s.bytes);
            return sealed === undefined ? [] : [{ docId: s.docId, ...sealed }];
          });
    for (let i = 0; i < send.length; i += 200) {
      const slice = send.slice(i, i + 200);
      const batch: ChangeBatch = {
        v: PROTOCOL_VERSION,
        batchId: `${this.#unit}:repair:${request.requestId.slice(-40)}:${i}`.slice(0, 120),
        from: this.#unit,
        repair: true,
        sentAt: new Date().toISOString(),
        changes: slice.map((s) => ({
          docId: s.docId,
          hash: [],
          deps: [],
          bytes: Buffer.from(s.bytes).toString('base64'),
          ...(s.seals === undefined ? {} : { seals: s.seals }),
        })),
      };
      const keys = wrapKeysFor(
        slice.map((s) => s.docId),
        this.#o.keys,
        this.#linkKey,
      );
      await this.#publishChunked('unitChanges', keys.length > 0 ? { ...batch, keys } : batch, batch.batchId);
    }
    if (plan.want.length > 0) this.#sendDigest(request.scope, plan.want);
  }
}
