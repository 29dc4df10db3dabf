import { decodeChanges } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import type { ChangeItem } from '../payloads.ts';

interface LogRow {
  seq: number;
  doc_id: string;
  bytes: Buffer;
  heads: string;
  at: string;
}

/** A batch read from the change log, ready to ship. */
export interface OutboxBatch {
  readonly seqFrom: number;
  readonly seqTo: number;
  readonly items: ChangeItem[];
  readonly bytes: number;
}

export interface ChangeOutboxOptions {
  readonly db: Database;
  /**
   * Which rows of `change_log c` (joined with `documents d`) go to this peer, as SQL over `c` and `d`
   * with the named parameter `@peer`. A unit ships what it made (`c.origin = 'local'`); HQ ships a unit
   * the chain-wide documents and that unit's own documents, except what came from that unit.
   */
  readonly where: string;
  readonly peer: string;
  readonly maxChanges?: number;
  readonly maxBytes?: number;
}

/** The change log seen as the outbox towards one peer: batches after a position, what is pending. */
export class ChangeOutbox {
  readonly #next: Statement<Record<string, unknown>, LogRow>;
  readonly #count: Statement<Record<string, unknown>, { n: number; oldest: string | null }>;
  readonly #peer: string;
  readonly #maxChanges: number;
  readonly #maxBytes: number;

  constructor(options: ChangeOutboxOptions) {
    this.#peer = options.peer;
    this.#maxChanges = options.maxChanges ?? 500;
    this.#maxBytes = options.maxBytes ?? 512 * 1024;
    const from = 'FROM change_log c JOIN documents d ON d.doc_id = c.doc_id';
    this.#next = options.db.prepare(
      `SELECT c.seq, c.doc_id, c.bytes, c.heads, c.at ${from} WHERE c.seq > @after AND (${options.where}) ORDER BY c.seq LIMIT @limit`,
    );
    this.#count = options.db.prepare(
      `SELECT count(*) AS n, min(c.at) AS oldest ${from} WHERE c.seq > @after AND (${options.where})`,
    );
  }

  /** The next batch after `after`, or undefined when nothing is pending. */
  next(after: number): OutboxBatch | undefined {
    const rows = this.#next.all({ after, limit: this.#maxChanges, peer: this.#peer });
    if (rows.length === 0) return undefined;
    const items: ChangeItem[] = [];
    let bytes = 0;
    let seqTo = after;
    for (const row of rows) {
      if (items.length > 0 && bytes + row.bytes.length > this.#maxBytes) break;
      const changes = decodeChanges(new Uint8Array(row.bytes));
      const first = changes?.[0];
      items.push({
        docId: row.doc_id,
        hash: row.heads.length === 0 ? [] : row.heads.split(',').slice(0, 64),
        deps: first === undefined ? [] : [...first.deps].slice(0, 64),
        bytes: row.bytes.toString('base64'),
        seq: row.seq,
      });
      bytes += row.bytes.length;
      seqTo = row.seq;
    }
    return { seqFrom: after + 1, seqTo, items, bytes };
  }

  /** How many changes are pending after `after`, and the time of the oldest. */
  pending(after: number): { count: number; oldestAt: string | undefined } {
    const row = this.#count.get({ after, peer: this.#peer });
    return { count: row?.n ?? 0, oldestAt: row?.oldest ?? undefined };
  }
}
