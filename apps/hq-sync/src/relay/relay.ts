import { EventEmitter } from 'node:events';
import { dirname, join } from 'node:path';
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
  type HqState,
  hqSubscriptions,
  loadOrCreateSealKey,
  MqttLink,
  PROTOCOL_VERSION,
  packetsFor,
  parseTopic,
  planRepair,
  Reassembler,
  type RecordBatch,
  type RepairRequest,
  type RepairScope,
  receiveBatch,
  SyncCursors,
  sealChanges,
  sealedByHq,
  TOPICS,
  type TopicKind,
  topicFor,
  type UnitState,
  wrapKeysFor,
} from '@gymedge/sync-protocol';
import type { Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { HqStore } from './hq-store.ts';

/** One unit as the HQ sync dashboard shows it. */
export interface UnitSyncStatus {
  readonly unitId: string;
  /** From the unit's retained state (its last will says offline). */
  readonly online: boolean;
  /** Last time HQ heard anything from the unit (ISO, HQ's clock). */
  readonly lastSeenAt: string | undefined;
  /** Last change batch HQ committed and acknowledged from it. */
  readonly lastBatchAt: string | undefined;
  /** Changes the unit reports it has not had acknowledged yet, and the age of the oldest (its clock). */
  readonly pendingChanges: number;
  readonly lagSeconds: number;
  /** Chain-wide changes HQ has not had acknowledged by the unit yet. */
  readonly downlinkPending: number;
  /** Documents of the unit at HQ. */
  readonly documents: number;
  /** Changes from the unit kept in quarantine at HQ (not resolved). */
  readonly quarantined: number;
  readonly changesReceived: number;
  readonly recordsReceived: number;
  /** Payloads refused (garbage, wrong sender, invalid): counted, logged, never applied. */
  readonly refused: number;
  readonly version: string | undefined;
}

/** What `Relay` emits on `change`: a unit's status moved, or documents/records arrived. */
export interface RelayChange {
  readonly kind: 'unit' | 'documents' | 'records';
  readonly unitId: string;
}

export interface RelayOptions {
  /** The broker (`mqtt://127.0.0.1:1883`, or mqtts://). */
  readonly brokerUrl: string;
  /** HQ's MQTT identity and password (username `hq`). */
  readonly password: string;
  readonly username?: string;
  readonly caPem?: string;
  readonly protocolVersion?: 4 | 5;
  readonly hq: HqStore;
  /** The link key HQ's enrolment shared with a unit (wraps member keys), if the unit is enrolled. */
  readonly linkKeyOf: (unitId: string) => Uint8Array | undefined;
  /**
   * The member ids whose keys travel with these documents (default: the member documents among them).
   * HQ's member directory adds the member of each full directory entry (apps/hq-sync/src/directory.ts).
   */
  readonly keyIdsOf?: (docIds: readonly string[]) => readonly string[];
  /** Units enrolled at HQ (they get downlink streams even before they are ever seen). */
  readonly enrolledUnits?: () => readonly string[];
  /** MQTT 5 shared-subscription group (`$share/<group>/...`, Mosquitto/EMQX): several relays split the uplink. */
  readonly shareGroup?: string;
  /** Suffix of the MQTT client id, for more than one relay instance. */
  readonly instance?: string;
  readonly maxPacketBytes?: number;
  readonly resendAfterMs?: number;
  /**
   * HQ's chain seal key (engine/seals.ts); by default `chain-seal.key` beside hq.db, made on first start.
   * It must outlive a restore of hq.db: then the units hand back HQ's own sealed changes.
   */
  readonly sealKey?: Uint8Array;
  /** How often HQ's change log is pruned of what every unit that needs it acknowledged (default 2 s). */
  readonly pruneEveryMs?: number;
  readonly logger: Logger;
}

export interface RelayEvents {
  change: [RelayChange];
}

interface UnitRuntime {
  readonly unitId: string;
  readonly sender: BatchSender;
  readonly joiner: Reassembler;
  readonly repairAt: Map<RepairScope, number>;
  online: boolean;
  lastSeenAt: string | undefined;
  lastBatchAt: string | undefined;
  pendingChanges: number;
  lagSeconds: number;
  changesReceived: number;
  recordsReceived: number;
  refused: number;
  version: string | undefined;
  savedAt: number;
}

/**
 * HQ's relay core. It keeps every unit's documents in HQ's `@gymedge/store` (binaries plus SQL
 * projections, never a live document per member), ingests each unit's change batches through the
 * inbox (authorised by document scope and unit identity), acknowledges a batch only after HQ's own
 * durable commit, relays the chain-wide documents (and HQ's edits of a unit's documents) down to each
 * unit with a per-unit durable position, stores the units' append-only records idempotently, and
 * answers heads digests with repair requests, so HQ restored from an old backup heals from the units.
 *
 * ```ts
 * const relay = new Relay({ brokerUrl, password, hq: openHqStore({ dir, logger }), linkKeyOf, logger });
 * relay.on('change', (c) => dashboard.push(c));
 * await relay.start();
 * relay.units(); // UnitSyncStatus[]
 * await relay.stop();
 * ```
 */
export class Relay extends EventEmitter<RelayEvents> {
  readonly #o: RelayOptions;
  readonly #log: Logger;
  readonly #link: MqttLink;
  readonly #units = new Map<string, UnitRuntime>();
  readonly #cursors: SyncCursors;
  readonly #heads: HeadsIndex;
  readonly #sql: {
    insertCheckin: Statement<Record<string, unknown>>;
    insertEvent: Statement<Record<string, unknown>>;
    insertOccupancy: Statement<Record<string, unknown>>;
    docsOf: Statement<[string], { n: number }>;
    quarantinedOf: Statement<[string], { n: number }>;
    saveUnit: Statement<Record<string, unknown>>;
    loadUnits: Statement<
      [],
      { unit_id: string; state: string; last_seen_at: string | null; last_batch_at: string | null }
    >;
    pruneLog: Statement<{ chainMin: number }>;
  };
  /** Something was committed or acknowledged since the last prune of HQ's change log. */
  #logDirty = false;
  #prunedAt = 0;
  #sealKey: Uint8Array | undefined;
  #timer: NodeJS.Timeout | undefined;
  #pokeTimer: NodeJS.Timeout | undefined;
  #started = false;
  /** Messages being handled: `stop()` waits for them, so nothing touches the store after it. */
  readonly #busy = new Set<Promise<void>>();

  constructor(options: RelayOptions) {
    super();
    this.#o = options;
    this.#log = options.logger.child({ module: 'relay' });
    const db = options.hq.db;
    this.#cursors = new SyncCursors(db);
    this.#heads = new HeadsIndex(db);
    this.#sql = {
      insertCheckin:
        db.prepare(`INSERT OR IGNORE INTO checkins (id, unit_id, member_id, at, local_date, method, home_unit_id,
        membership_id, denied, staff_id, received_at) VALUES (@id, @unitId, @memberId, @at, @localDate, @method, @homeUnitId,
        @membershipId, @denied, @staffId, @receivedAt)`),
      insertEvent: db.prepare(
        'INSERT OR IGNORE INTO events (id, unit_id, kind, at, payload) VALUES (@id, @unitId, @kind, @at, @payload)',
      ),
      insertOccupancy: db.prepare(
        'INSERT OR IGNORE INTO occupancy_samples (id, unit_id, zone_id, at, people) VALUES (@id, @unitId, @zoneId, @at, @people)',
      ),
      docsOf: db.prepare('SELECT count(*) AS n FROM documents WHERE unit_id = ?'),
      quarantinedOf: db.prepare(
        'SELECT count(*) AS n FROM quarantine WHERE from_unit = ? AND resolved_at IS NULL',
      ),
      saveUnit: db.prepare(`INSERT INTO relay_units (unit_id, state, last_seen_at, last_batch_at, detail)
        VALUES (@unitId, @state, @lastSeenAt, @lastBatchAt, @detail)
        ON CONFLICT (unit_id) DO UPDATE SET state = excluded.state, last_seen_at = excluded.last_seen_at,
        last_batch_at = excluded.last_batch_at, detail = excluded.detail`),
      loadUnits: db.prepare(
        'SELECT unit_id, state, last_seen_at, last_batch_at FROM relay_units ORDER BY unit_id',
      ),
      // HQ's change log is an outbox only for HQ's own changes (the downlinks read nothing else): a row
      // from a unit goes nowhere once committed; HQ's change of a chain-wide document goes once every
      // unit acknowledged it, and its change of a unit's document once that unit did. The newest row
      // stays, so a sequence number is never reused. A unit enrolled later gets what was pruned by
      // repair (heads comparison), like a unit restored from a backup.
      pruneLog: db.prepare(`DELETE FROM change_log WHERE seq < (SELECT max(seq) FROM change_log) AND (
        unit_id <> 'hq' OR seq <= (
          SELECT CASE d.unit_id WHEN 'chain' THEN @chainMin ELSE coalesce(
            (SELECT position FROM sync_cursors WHERE peer = d.unit_id AND stream = 'changes-down'), 0) END
          FROM documents d WHERE d.doc_id = change_log.doc_id))`),
    };
    const will: HqState = { v: PROTOCOL_VERSION, state: 'offline', at: new Date().toISOString() };
    const share = options.shareGroup;
    this.#link = new MqttLink({
      url: options.brokerUrl,
      clientId: `gymedge-hq-relay${options.instance === undefined ? '' : `-${options.instance}`}`,
      username: options.username ?? HQ_PEER,
      password: options.password,
      ...(options.caPem === undefined ? {} : { caPem: options.caPem }),
      ...(options.protocolVersion === undefined ? {} : { protocolVersion: options.protocolVersion }),
      will: { topic: TOPICS.hqState.pattern, payload: encode('hqState', will) },
      // Retained unit states are never delivered to a shared subscription: that one is always plain.
      subscriptions: [
        ...hqSubscriptions(share).filter((f) => !f.endsWith('/state')),
        TOPICS.unitState.pattern.replace('{unit}', '+'),
      ],
      logger: this.#log,
    });
    this.#link.on('up', () => this.#onUp());
    this.#link.on('down', () => {
      for (const unit of this.#units.values()) unit.sender.offline();
    });
    this.#link.on('message', (topic, payload) => {
      const handling = this.#onMessage(topic, payload).catch((error: unknown) =>
        this.#log.error({ err: error, topic }, 'could not handle a message'),
      );
      this.#busy.add(handling);
      void handling.finally(() => this.#busy.delete(handling));
    });
  }

  /** Connects to the broker and starts relaying. Resolves at once; the link (re)connects by itself. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#sealKey ??=
      this.#o.sealKey ?? loadOrCreateSealKey(join(dirname(this.#o.hq.path), 'chain-seal.key'));
    for (const row of this.#sql.loadUnits.all()) {
      const unit = this.#unit(row.unit_id);
      unit.lastSeenAt = row.last_seen_at ?? undefined;
      unit.lastBatchAt = row.last_batch_at ?? undefined;
    }
    for (const id of this.#o.enrolledUnits?.() ?? []) this.#unit(id);
    this.#link.start();
    this.#timer = setInterval(() => {
      for (const unit of this.#units.values()) unit.sender.tick();
      if (this.#logDirty && Date.now() - this.#prunedAt >= (this.#o.pruneEveryMs ?? 2000)) this.pruneLog();
    }, 500);
    this.#timer.unref();
  }

  /** Stops relaying (publishes HQ's retained offline state). HQ's store stays open: its owner closes it. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const goodbye: HqState = { v: PROTOCOL_VERSION, state: 'offline', at: new Date().toISOString() };
    await this.#link.stop({ topic: TOPICS.hqState.pattern, payload: encode('hqState', goodbye) });
    if (this.#pokeTimer !== undefined) clearTimeout(this.#pokeTimer);
    // Messages being handled finish first (bounded: a publish waits at most 15 s, we wait 5).
    await Promise.race([
      Promise.allSettled([...this.#busy]),
      new Promise((resolve) => setTimeout(resolve, 5000).unref()),
    ]);
    await this.#o.hq.store.flush();
  }

  /** Whether the relay's own link to the broker is up. */
  get connected(): boolean {
    return this.#link.connected;
  }

  /** Every unit HQ knows, with its sync state. */
  units(): UnitSyncStatus[] {
    return [...this.#units.values()]
      .sort((a, b) => a.unitId.localeCompare(b.unitId))
      .map((u) => ({
        unitId: u.unitId,
        online: u.online,
        lastSeenAt: u.lastSeenAt,
        lastBatchAt: u.lastBatchAt,
        pendingChanges: u.pendingChanges,
        lagSeconds: u.lagSeconds,
        downlinkPending: u.sender.pending().count,
        documents: this.#sql.docsOf.get(u.unitId)?.n ?? 0,
        quarantined: this.#sql.quarantinedOf.get(u.unitId)?.n ?? 0,
        changesReceived: u.changesReceived,
        recordsReceived: u.recordsReceived,
        refused: u.refused,
        version: u.version,
      }));
  }

  /**
   * Deletes the rows of HQ's change log that no unit still needs (see the statement). Runs by itself at
   * most every `pruneEveryMs` after something moved; returns how many rows went.
   */
  pruneLog(): number {
    this.#logDirty = false;
    this.#prunedAt = Date.now();
    const units = [...this.#units.values()];
    const chainMin = units.length === 0 ? 0 : Math.min(...units.map((u) => u.sender.position));
    return this.#sql.pruneLog.run({ chainMin }).changes;
  }

  /** Chain-wide documents (or HQ's own edits) were written at HQ: relay them to the units (soon, once). */
  poke(): void {
    if (this.#pokeTimer !== undefined) return;
    this.#pokeTimer = setTimeout(() => {
      this.#pokeTimer = undefined;
      for (const unit of this.#units.values()) unit.sender.poke();
    }, 20);
  }

  #unit(unitId: string): UnitRuntime {
    const known = this.#units.get(unitId);
    if (known !== undefined) return known;
    const db = this.#o.hq.db;
    const sender = new BatchSender({
      self: HQ_PEER,
      peer: unitId,
      stream: 'changes-down',
      outbox: new ChangeOutbox({
        db,
        peer: unitId,
        // HQ's own changes (chain-wide documents, HQ's edits of the unit's documents): only HQ writes
        // chain-wide documents, so nothing else of them needs to go down. Index: change_log (unit_id, seq).
        where: "c.unit_id = 'hq' AND d.unit_id IN ('chain', @peer)",
      }),
      cursors: this.#cursors,
      send: (batch) => this.#publish('hqChanges', unitId, batch, batch.batchId),
      sealsFor: (item) => this.#sealsOf(Buffer.from(item.bytes, 'base64')),
      onAcked: () => {
        this.#logDirty = true;
      },
      keysFor: (ids) => {
        const key = this.#o.linkKeyOf(unitId);
        return key === undefined ? [] : wrapKeysFor(this.#o.keyIdsOf?.(ids) ?? ids, this.#o.hq.keys, key);
      },
      ...(this.#o.resendAfterMs === undefined ? {} : { resendAfterMs: this.#o.resendAfterMs }),
      logger: this.#log,
    });
    const unit: UnitRuntime = {
      unitId,
      sender,
      joiner: new Reassembler(),
      repairAt: new Map(),
      online: false,
      lastSeenAt: undefined,
      lastBatchAt: undefined,
      pendingChanges: 0,
      lagSeconds: 0,
      changesReceived: 0,
      recordsReceived: 0,
      refused: 0,
      version: undefined,
      savedAt: 0,
    };
    this.#units.set(unitId, unit);
    return unit;
  }

  #onUp(): void {
    this.#log.info({ protocolVersion: this.#link.protocolVersion }, 'relay connected to the broker');
    const state: HqState = { v: PROTOCOL_VERSION, state: 'online', at: new Date().toISOString() };
    this.#link.publish(TOPICS.hqState.pattern, encode('hqState', state), true).catch(() => {});
    for (const unit of this.#units.values()) if (unit.online) unit.sender.online();
  }

  async #publish<K extends 'hqChanges' | 'hqRepair'>(
    kind: K,
    unitId: string,
    value: Parameters<typeof packetsFor<K>>[2],
    id: string,
  ): Promise<void> {
    const limit = Math.min(
      this.#o.maxPacketBytes ?? 256 * 1024,
      this.#link.maxPacketSize ?? Number.POSITIVE_INFINITY,
    );
    for (const packet of packetsFor(kind, unitId, value, id, limit - 512)) {
      await this.#link.publish(packet.topic, packet.payload);
    }
  }

  /** HQ's seals of the changes in `bytes` (what it sends down), see engine/seals.ts. */
  #sealsOf(bytes: Uint8Array): string[] | undefined {
    return this.#sealKey === undefined ? undefined : sealChanges(this.#sealKey, bytes);
  }

  #seen(unit: UnitRuntime): void {
    unit.lastSeenAt = new Date().toISOString();
    // Kept in memory on every message; written to relay_units at most every 5 s per unit (one fsync each).
    const now = Date.now();
    if (now - unit.savedAt < 5000) return;
    unit.savedAt = now;
    this.#save(unit);
  }

  #save(unit: UnitRuntime): void {
    this.#sql.saveUnit.run({
      unitId: unit.unitId,
      state: unit.online ? 'online' : 'offline',
      lastSeenAt: unit.lastSeenAt ?? null,
      lastBatchAt: unit.lastBatchAt ?? null,
      detail: JSON.stringify({
        pendingChanges: unit.pendingChanges,
        lagSeconds: unit.lagSeconds,
        version: unit.version,
      }),
    });
  }

  async #onMessage(topic: string, payload: Buffer): Promise<void> {
    const parsed = parseTopic(topic);
    if (parsed === undefined || parsed.unit === undefined || TOPICS[parsed.kind].direction !== 'up') return;
    const unit = this.#unit(parsed.unit);
    await this.#handle(unit, parsed.kind, payload);
  }

  #refuse(unit: UnitRuntime, kind: string, reason: string): void {
    unit.refused++;
    this.#log.warn({ unitId: unit.unitId, kind, reason }, 'payload refused');
    this.emit('change', { kind: 'unit', unitId: unit.unitId });
  }

  async #handle(unit: UnitRuntime, kind: TopicKind, payload: Buffer | string): Promise<void> {
    switch (kind) {
      case 'unitState': {
        if (payload.length === 0) return;
        const state = decode('unitState', payload);
        if (!state.ok) return this.#refuse(unit, kind, state.reason);
        if (state.value.unitId !== unit.unitId) return this.#refuse(unit, kind, 'state of another unit');
        this.#onState(unit, state.value);
        return;
      }
      case 'unitChanges': {
        const batch = decode('unitChanges', payload);
        if (!batch.ok) return this.#refuse(unit, kind, batch.reason);
        if (batch.value.from !== unit.unitId)
          return this.#refuse(unit, kind, `batch says it is from ${batch.value.from}`);
        await this.#ingest(unit, batch.value);
        return;
      }
      case 'unitRecords': {
        const batch = decode('unitRecords', payload);
        if (!batch.ok) return this.#refuse(unit, kind, batch.reason);
        if (batch.value.from !== unit.unitId)
          return this.#refuse(unit, kind, `batch says it is from ${batch.value.from}`);
        this.#records(unit, batch.value);
        return;
      }
      case 'unitHeads': {
        const report = decode('unitHeads', payload);
        if (!report.ok) return this.#refuse(unit, kind, report.reason);
        this.#seen(unit);
        await this.#answerHeads(unit, report.value);
        return;
      }
      case 'unitAcks': {
        const ack = decode('unitAcks', payload);
        if (!ack.ok) return this.#refuse(unit, kind, ack.reason);
        this.#seen(unit);
        unit.sender.acked(ack.value);
        return;
      }
      case 'unitChunks': {
        const chunk = decode('unitChunks', payload);
        if (!chunk.ok) return this.#refuse(unit, kind, chunk.reason);
        const whole = unit.joiner.add(chunk.value, 'up');
        if (whole === undefined) return;
        if ('refused' in whole) return this.#refuse(unit, kind, whole.refused);
        await this.#handle(unit, whole.of, whole.text);
        return;
      }
      default:
        return;
    }
  }

  #onState(unit: UnitRuntime, state: UnitState): void {
    const wasOnline = unit.online;
    unit.online = state.state === 'online';
    unit.pendingChanges = state.pendingChanges ?? 0;
    unit.lagSeconds = state.lagSeconds ?? 0;
    unit.version = state.version;
    if (unit.online) this.#seen(unit);
    else this.#save(unit);
    if (unit.online && !wasOnline && this.#link.connected) unit.sender.online();
    if (!unit.online) unit.sender.offline();
    this.emit('change', { kind: 'unit', unitId: unit.unitId });
  }

  async #ingest(unit: UnitRuntime, batch: ChangeBatch): Promise<void> {
    const linkKey = this.#o.linkKeyOf(unit.unitId);
    const ack: Ack = await receiveBatch(batch, {
      inbox: this.#o.hq.inbox,
      peer: unit.unitId,
      ...(linkKey === undefined ? {} : { linkKey }),
      keys: this.#o.hq.keys,
      // A repair send of HQ's own chain-wide changes (HQ restored an old backup): every change carries
      // HQ's valid seal, so HQ merges them as its own. Anything else is judged as the unit's.
      peerOf: (item) =>
        batch.repair === true &&
        item.seals !== undefined &&
        this.#sealKey !== undefined &&
        sealedByHq(this.#sealKey, Buffer.from(item.bytes, 'base64'), item.seals)
          ? HQ_PEER
          : unit.unitId,
      logger: this.#log,
    });
    // receiveBatch resolved: every change of the batch is committed at HQ. Only now the ack.
    this.#logDirty = true;
    unit.changesReceived += batch.changes.length;
    unit.lastBatchAt = new Date().toISOString();
    if (!unit.online) {
      unit.online = true;
      unit.sender.online();
    }
    this.#seen(unit);
    await this.#link.publish(topicFor('hqAcks', unit.unitId), encode('hqAcks', ack)).catch(() => {});
    this.emit('change', { kind: 'documents', unitId: unit.unitId });
    // A chain-wide document may have changed (HQ repaired a unit's edit of it): downlinks look again.
    // So may HQ's own changes handed back by a unit's repair (the other units may lack them too).
    if ((ack.reverted ?? 0) > 0 || (batch.repair === true && ack.applied > 0)) this.poke();
  }

  #records(unit: UnitRuntime, batch: RecordBatch): void {
    const receivedAt = new Date().toISOString();
    const db = this.#o.hq.db;
    db.transaction(() => {
      if (batch.kind === 'checkin') {
        for (const r of batch.records) {
          if (r.unitId !== unit.unitId) continue;
          this.#sql.insertCheckin.run({
            id: r.id,
            unitId: r.unitId,
            memberId: r.memberId,
            at: r.at,
            localDate: r.localDate,
            method: r.method,
            homeUnitId: r.homeUnitId ?? null,
            membershipId: r.membershipId ?? null,
            denied: r.denied ?? null,
            staffId: r.staffId ?? null,
            receivedAt,
          });
        }
      } else if (batch.kind === 'event') {
        for (const r of batch.records) this.#sql.insertEvent.run({ ...r, unitId: unit.unitId });
      } else {
        for (const r of batch.records) this.#sql.insertOccupancy.run({ ...r, unitId: unit.unitId });
      }
    })();
    unit.recordsReceived += batch.records.length;
    this.#seen(unit);
    const ack: Ack = {
      v: PROTOCOL_VERSION,
      batchId: batch.batchId,
      of: 'records',
      applied: batch.records.length,
      duplicates: 0,
      buffered: 0,
      quarantined: 0,
      at: receivedAt,
    };
    this.#link.publish(topicFor('hqAcks', unit.unitId), encode('hqAcks', ack)).catch(() => {});
    this.emit('change', { kind: 'records', unitId: unit.unitId });
  }

  async #answerHeads(unit: UnitRuntime, report: HeadsReport): Promise<void> {
    const owner = report.scope === 'unit' ? unit.unitId : 'chain';
    if (report.docs !== undefined) {
      // The unit lacks changes HQ has: send them down as a repair batch.
      const wanted = new Set(report.docs.map((d) => d.docId));
      const ours = this.#heads.of(owner).filter((d) => wanted.has(d.docId));
      const plan = planRepair(this.#o.hq.storage, ours, report.docs);
      const key = this.#o.linkKeyOf(unit.unitId);
      for (let i = 0; i < plan.send.length; i += 200) {
        const slice = plan.send.slice(i, i + 200);
        const keys =
          key === undefined
            ? []
            : wrapKeysFor(
                this.#o.keyIdsOf?.(slice.map((s) => s.docId)) ?? slice.map((s) => s.docId),
                this.#o.hq.keys,
                key,
              );
        const batch: ChangeBatch = {
          v: PROTOCOL_VERSION,
          batchId: `hq:repair:${report.requestId.slice(-60)}:${i}`.slice(0, 120),
          from: HQ_PEER,
          repair: true,
          sentAt: new Date().toISOString(),
          changes: slice.map((s) => {
            const seals = this.#sealsOf(s.bytes);
            return {
              docId: s.docId,
              hash: [],
              deps: [],
              bytes: Buffer.from(s.bytes).toString('base64'),
              ...(seals === undefined ? {} : { seals }),
            };
          }),
          ...(keys.length > 0 ? { keys } : {}),
        };
        await this.#publish('hqChanges', unit.unitId, batch, batch.batchId).catch(() => {});
      }
      this.#log.info(
        { unitId: unit.unitId, scope: report.scope, docs: plan.send.length },
        'repair sent to a unit',
      );
      return;
    }
    const ours = this.#heads.of(owner);
    if (digestOf(ours) === report.digest) return;
    const last = unit.repairAt.get(report.scope) ?? 0;
    if (Date.now() - last < 5000) return;
    unit.repairAt.set(report.scope, Date.now());
    this.#log.info(
      { unitId: unit.unitId, scope: report.scope, ours: ours.length, theirs: report.count },
      'heads differ: repair',
    );
    const per = 2000;
    const count = Math.max(1, Math.ceil(ours.length / per));
    const requestId = `hq:${unit.unitId}:${report.scope}:${Date.now().toString(36)}`;
    for (let index = 0; index < count; index++) {
      const request: RepairRequest = {
        v: PROTOCOL_VERSION,
        requestId,
        scope: report.scope,
        reason: 'digest_mismatch',
        docs: ours.slice(index * per, (index + 1) * per),
        part: { index, count },
        at: new Date().toISOString(),
      };
      await this.#publish('hqRepair', unit.unitId, request, `${requestId}:${index}`).catch(() => {});
    }
  }
}
