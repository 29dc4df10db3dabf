import type { Inbox } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import type { QuarantineSource } from './api/hq-routes.ts';
import type { QuarantineItem, QuarantinePage, RetryOutcome } from './api/snapshot.ts';

interface Row {
  id: number;
  doc_id: string;
  doc_type: string | null;
  origin: string;
  from_unit: string | null;
  reason: string;
  size: number | null;
  received_at: string;
  resolved_at: string | null;
}

function toItem(row: Row): QuarantineItem {
  return {
    id: row.id,
    unitId: row.from_unit ?? 'hq',
    docId: row.doc_id,
    ...(row.doc_type === null ? {} : { docType: row.doc_type }),
    reason: row.reason,
    origin: row.origin,
    receivedAt: row.received_at,
    sizeBytes: row.size ?? 0,
    ...(row.resolved_at === null ? {} : { resolvedAt: row.resolved_at }),
  };
}

const COLUMNS =
  'id, doc_id, doc_type, origin, from_unit, reason, length(bytes) AS size, received_at, resolved_at';

/**
 * HQ's view of the store's `quarantine` table: what came from which unit and why it was kept aside, and a
 * retry that hands the kept bytes to the inbox again (`Inbox.retry`: the same dependency buffering and
 * authorisation as every delivery), so a change refused by an older build is applied once HQ runs one
 * that understands it.
 */
export class StoreQuarantine implements QuarantineSource {
  readonly #inbox: Inbox;
  readonly #one: Statement<[number], Row & { bytes: Buffer | null }>;
  readonly #db: Database;

  constructor(db: Database, inbox: Inbox) {
    this.#db = db;
    this.#inbox = inbox;
    this.#one = db.prepare(`SELECT ${COLUMNS}, bytes FROM quarantine WHERE id = ?`);
  }

  list(filter: { readonly unitId?: string; readonly open: boolean; readonly limit: number }): QuarantinePage {
    const where = [
      ...(filter.open ? ['resolved_at IS NULL'] : []),
      ...(filter.unitId === undefined ? [] : ['from_unit = @unit']),
    ];
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const params = { unit: filter.unitId ?? null, limit: filter.limit };
    const rows = this.#db
      .prepare<typeof params, Row>(
        `SELECT ${COLUMNS} FROM quarantine ${clause} ORDER BY id DESC LIMIT @limit`,
      )
      .all(params);
    const total =
      this.#db
        .prepare<typeof params, { n: number }>(`SELECT count(*) AS n FROM quarantine ${clause}`)
        .get(params)?.n ?? 0;
    return { items: rows.map(toItem), total };
  }

  /** Open quarantined changes per unit (for the dashboard). */
  openByUnit(): Map<string, number> {
    const rows = this.#db
      .prepare<[], { unit: string | null; n: number }>(
        'SELECT from_unit AS unit, count(*) AS n FROM quarantine WHERE resolved_at IS NULL GROUP BY from_unit',
      )
      .all();
    return new Map(rows.map((row) => [row.unit ?? 'hq', row.n]));
  }

  get(id: number): (QuarantineItem & { readonly bytesPreview: string }) | undefined {
    const row = this.#one.get(id);
    if (row === undefined) return undefined;
    return { ...toItem(row), bytesPreview: (row.bytes ?? Buffer.alloc(0)).subarray(0, 48).toString('hex') };
  }

  async retry(id: number): Promise<RetryOutcome | undefined> {
    const result = await this.#inbox.retry(id);
    if (result === undefined) return undefined;
    // Settled either way: a change refused again has a new row with today's reason.
    return { id, ...result };
  }
}
