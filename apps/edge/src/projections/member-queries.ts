import type { Database, Statement } from 'better-sqlite3';
import { digitsOnly, foldText } from '../domain/text.ts';
import { InputError } from '../services/contracts.ts';
import { type BlindField, BlindIndex, type MemberRow } from './members.ts';

export interface MemberQuery {
  readonly q?: string | undefined;
  readonly status?: 'active' | 'inactive' | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface MemberRowsPage {
  readonly rows: MemberRow[];
  readonly nextCursor?: string;
  readonly total: number;
}

type Mode = 'all' | 'name' | 'digits' | 'email';

/**
 * Member search over the read model, in keyset pages ordered by folded name:
 * - words → FTS5 prefix match on every word (`jo silv` finds João da Silva);
 * - 3+ digits → CPF prefix, phone prefix (with area code) or phone suffix (the last digits);
 * - text with `@` → e-mail prefix;
 * - one token with a digit (`CS5295`, `12345`) → first the chain's own customer id, exact match (keyed
 *   hash); when no member has that id, the rules above.
 * Erased members are never listed.
 */
export class MemberQueries {
  readonly #db: Database;
  readonly #byId: Statement<[string], MemberRow>;
  readonly #cache = new Map<string, Statement>();
  readonly #blind: BlindIndex;

  constructor(db: Database) {
    this.#db = db;
    this.#byId = db.prepare('SELECT * FROM member_index WHERE doc_id = ?');
    this.#blind = new BlindIndex(db);
  }

  byId(id: string): MemberRow | undefined {
    return this.#byId.get(id);
  }

  /** Members (not erased) whose field has exactly this value, found through the keyed hash. */
  byExact(field: BlindField, value: string, limit = 10): MemberRow[] {
    return this.#stmt(
      `SELECT m.* FROM member_blind b JOIN member_index m ON m.doc_id = b.doc_id
       WHERE b.field = @field AND b.hash = @hash AND m.status != 'erased' ORDER BY m.name_key, m.doc_id LIMIT @limit`,
    ).all({ field, hash: this.#blind.hash(field, value), limit }) as MemberRow[];
  }

  /** Members (not erased) whose whole name is this one (accents and case aside), no prefixes. */
  byFullName(name: string, limit = 10): MemberRow[] {
    return this.#stmt(
      `SELECT * FROM member_index WHERE name_key = @key AND status != 'erased' ORDER BY doc_id LIMIT @limit`,
    ).all({ key: foldText(name), limit }) as MemberRow[];
  }

  search(query: MemberQuery): MemberRowsPage {
    const text = (query.q ?? '').trim();
    if (query.cursor === undefined && /^[A-Za-z0-9_-]{3,60}$/.test(text) && /\d/.test(text)) {
      // A single token with a digit may be the chain's own customer id (CS5295, 12345): exact match first.
      const rows = this.byExact('externalRef', text, query.limit).filter(
        (row) => query.status === undefined || row.status === query.status,
      );
      if (rows.length > 0) return { rows, total: rows.length };
    }
    const { mode, params } = this.#plan(query.q);
    const status = query.status;
    const where: string[] = [status === undefined ? "m.status != 'erased'" : 'm.status = @status'];
    const from = mode === 'name' ? 'member_fts f JOIN member_index m ON m.rowid = f.rowid' : 'member_index m';
    if (mode === 'name') where.push('member_fts MATCH @match');
    if (mode === 'digits') {
      where.push(
        `(m.document >= @digits AND m.document < @digitsEnd
          OR m.phone_digits >= @digits AND m.phone_digits < @digitsEnd
          OR m.phone_rev >= @rev AND m.phone_rev < @revEnd)`,
      );
    }
    if (mode === 'email') where.push('m.email >= @email AND m.email < @emailEnd');
    const all = { ...params, ...(status === undefined ? {} : { status }) };
    const after = decodeCursor(query.cursor);
    // The first page counts the matches; later pages carry that count in their cursor.
    const total = after?.total ?? this.#count(mode, from, where, all, status);
    if (after !== undefined) where.push('(m.name_key, m.doc_id) > (@afterKey, @afterId)');
    const rows = this.#stmt(
      `SELECT m.* FROM ${from} WHERE ${where.join(' AND ')} ORDER BY m.name_key, m.doc_id LIMIT @limit`,
    ).all({
      ...all,
      ...(after === undefined ? {} : { afterKey: after.afterKey, afterId: after.afterId }),
      limit: query.limit + 1,
    }) as MemberRow[];
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      rows: page,
      total,
      ...(rows.length > query.limit && last !== undefined
        ? { nextCursor: encodeCursor(last.name_key, last.doc_id, total) }
        : {}),
    };
  }

  #count(
    mode: Mode,
    from: string,
    where: readonly string[],
    params: Record<string, string>,
    status: string | undefined,
  ): number {
    // Erased members have no row in the name index, so without a status filter the index alone counts.
    if (mode === 'name' && status === undefined) {
      return (
        this.#stmt('SELECT count(*) AS n FROM member_fts WHERE member_fts MATCH @match').get({
          match: params.match,
        }) as { n: number }
      ).n;
    }
    if (mode === 'all' && status === undefined) {
      const counts = this.#stmt(
        "SELECT count(*) AS n, (SELECT count(*) FROM member_index WHERE status = 'erased') AS erased FROM member_index",
      ).get() as { n: number; erased: number };
      return counts.n - counts.erased;
    }
    return (
      this.#stmt(`SELECT count(*) AS n FROM ${from} WHERE ${where.join(' AND ')}`).get(params) as {
        n: number;
      }
    ).n;
  }

  #plan(q: string | undefined): { mode: Mode; params: Record<string, string> } {
    const text = (q ?? '').trim();
    if (text === '') return { mode: 'all', params: {} };
    if (text.includes('@')) {
      const email = text.toLowerCase();
      return { mode: 'email', params: { email, emailEnd: `${email}\uffff` } };
    }
    if (/^[\d\s().+-]+$/.test(text)) {
      let digits = digitsOnly(text);
      if (digits.length < 3) throw new InputError('type at least 3 digits to search by CPF or phone');
      if (digits.length >= 12 && digits.startsWith('55')) digits = digits.slice(2);
      const rev = [...digits].reverse().join('');
      return { mode: 'digits', params: { digits, digitsEnd: `${digits}:`, rev, revEnd: `${rev}:` } };
    }
    const words = foldText(text)
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 0)
      .slice(0, 6);
    if (words.length === 0) throw new InputError('type a name, a CPF, a phone number or an e-mail to search');
    return { mode: 'name', params: { match: words.map((w) => `"${w}"*`).join(' AND ') } };
  }

  #stmt(sql: string): Statement {
    let statement = this.#cache.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement;
  }
}

function encodeCursor(nameKey: string, id: string, total: number): string {
  return Buffer.from(JSON.stringify([nameKey, id, total])).toString('base64url');
}

function decodeCursor(
  cursor: string | undefined,
): { afterKey: string; afterId: string; total: number } | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      typeof value[2] === 'number' &&
      Number.isInteger(value[2]) &&
      value[2] >= 0
    ) {
      return { afterKey: value[0], afterId: value[1], total: value[2] };
    }
  } catch {
    // fall through to the error below
  }
  throw new InputError('cursor is not valid: pass the nextCursor of the previous page unchanged');
}
