import { createHash } from 'node:crypto';
import type { CheckInRecord } from '@gymedge/crdt-schema';
import {
  type Ack,
  type EventRecord,
  type OccupancyRecord,
  PROTOCOL_VERSION,
  RECORD_KINDS,
  type RecordBatch,
  type RecordKind,
} from '@gymedge/sync-protocol';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../lib/logger.ts';

const TABLE: Record<RecordKind, string> = {
  checkin: 'checkins',
  event: 'events',
  occupancy: 'occupancy_samples',
};

/** Adds `shipped_at` to the append-only tables that lack it (events, occupancy samples); idempotent. */
export function ensureShippedColumns(db: Database): void {
  for (const table of Object.values(TABLE)) {
    const exists = db
      .prepare<[string], { n: number }>(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
      )
      .get(table);
    if ((exists?.n ?? 0) === 0) continue;
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'shipped_at')) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN shipped_at TEXT;
        CREATE INDEX IF NOT EXISTS ${table}_to_ship ON ${table} (shipped_at) WHERE shipped_at IS NULL`);
    }
  }
}

interface InFlight {
  readonly batchId: string;
  readonly ids: string[];
  readonly sentAt: number;
}

/**
 * Ships check-ins, events and occupancy samples to HQ in batches with idempotent ids (HQ stores each
 * id once), one batch in flight per kind; a row gets `shipped_at` only when HQ has acknowledged it.
 */
export class RecordShipper {
  readonly #unitId: string;
  readonly #send: (batch: RecordBatch) => Promise<void>;
  readonly #log: Logger;
  readonly #select: Partial<Record<RecordKind, Statement<[number], Record<string, unknown>>>> = {};
  readonly #count: Array<Statement<[], { n: number }>> = [];
  readonly #mark: Partial<Record<RecordKind, Statement<[string, string]>>> = {};
  readonly #db: Database;
  readonly #inFlight = new Map<RecordKind, InFlight>();
  #online = false;

  constructor(options: {
    db: Database;
    unitId: string;
    send: (batch: RecordBatch) => Promise<void>;
    logger: Logger;
  }) {
    this.#db = options.db;
    this.#unitId = options.unitId;
    this.#send = options.send;
    this.#log = options.logger;
    ensureShippedColumns(options.db);
    for (const kind of RECORD_KINDS) {
      const table = TABLE[kind];
      const exists = options.db
        .prepare<[string], { n: number }>(
          "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
        )
        .get(table);
      if ((exists?.n ?? 0) === 0) continue;
      this.#select[kind] = options.db.prepare(`SELECT * FROM ${table} WHERE shipped_at IS NULL LIMIT ?`);
      this.#count.push(options.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE shipped_at IS NULL`));
      this.#mark[kind] = options.db.prepare(`UPDATE ${table} SET shipped_at = ? WHERE id = ?`);
    }
  }

  pending(): number {
    return this.#count.reduce((n, s) => n + (s.get()?.n ?? 0), 0);
  }

  online(): void {
    this.#online = true;
    this.#inFlight.clear();
    this.poke();
  }

  offline(): void {
    this.#online = false;
  }

  tick(now = Date.now()): void {
    for (const [kind, f] of this.#inFlight) if (now - f.sentAt > 15_000) this.#inFlight.delete(kind);
    this.poke();
  }

  poke(): void {
    if (!this.#online) return;
    for (const kind of RECORD_KINDS) {
      if (this.#inFlight.has(kind)) continue;
      const rows = this.#select[kind]?.all(500) ?? [];
      if (rows.length === 0) continue;
      const ids = rows.map((r) => String(r.id));
      const batchId = `${this.#unitId}:${kind}:${createHash('sha256').update(ids.join('|')).digest('hex').slice(0, 20)}`;
      const batch = this.#batch(kind, batchId, rows);
      this.#inFlight.set(kind, { batchId, ids, sentAt: Date.now() });
      this.#send(batch).catch((error: unknown) =>
        this.#log.debug({ err: error, batchId }, 'records not sent; will resend'),
      );
    }
  }

  acked(ack: Ack): void {
    for (const [kind, f] of this.#inFlight) {
      if (f.batchId !== ack.batchId) continue;
      const mark = this.#mark[kind];
      const at = new Date().toISOString();
      this.#db.transaction(() => {
        for (const id of f.ids) mark?.run(at, id);
      })();
      this.#inFlight.delete(kind);
      this.poke();
      return;
    }
  }

  #batch(kind: RecordKind, batchId: string, rows: Record<string, unknown>[]): RecordBatch {
    const base = {
      v: PROTOCOL_VERSION,
      batchId,
      from: this.#unitId,
      sentAt: new Date().toISOString(),
    } as const;
    if (kind === 'checkin') return { ...base, kind, records: rows.map(toCheckin) };
    if (kind === 'event') {
      return {
        ...base,
        kind,
        records: rows.map(
          (r): EventRecord => ({
            id: String(r.id),
            kind: String(r.kind),
            at: String(r.at),
            payload: String(r.payload),
          }),
        ),
      };
    }
    return {
      ...base,
      kind: 'occupancy',
      records: rows.map(
        (r): OccupancyRecord => ({
          id: String(r.id),
          zoneId: String(r.zone_id),
          at: String(r.at),
          people: Number(r.people),
        }),
      ),
    };
  }
}

function toCheckin(r: Record<string, unknown>): CheckInRecord {
  const optional = (key: string) => (r[key] === null || r[key] === undefined ? undefined : String(r[key]));
  const out: Record<string, unknown> = {
    id: String(r.id),
    unitId: String(r.unit_id),
    memberId: String(r.member_id),
    at: String(r.at),
    localDate: String(r.local_date),
    method: String(r.method),
  };
  const extra: Array<[string, string]> = [
    ['homeUnitId', 'home_unit_id'],
    ['membershipId', 'membership_id'],
    ['denied', 'denied'],
    ['staffId', 'staff_id'],
  ];
  for (const [key, column] of extra) {
    const value = optional(column);
    if (value !== undefined) out[key] = value;
  }
  return out as CheckInRecord;
}
