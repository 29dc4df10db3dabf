import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MemberKeys, SyncCredentials } from '@gymedge/sync-protocol';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../lib/logger.ts';
import type { UnitStore } from '../unit-store.ts';
import { UnitSync } from './unit-sync.ts';

export type { SyncStatus } from './unit-sync.ts';
export { UnitSync } from './unit-sync.ts';

/** Where `gymedge hq enrol` puts the unit's credentials: `<unit dir>/sync.json`. */
export function syncCredentialsPath(unitDir: string): string {
  return join(unitDir, 'sync.json');
}

/** Reads and validates the credentials file; undefined when the unit is not enrolled. Throws a clear error if it is broken. */
export function readSyncCredentials(path: string): SyncCredentials | undefined {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`${path} is not JSON: enrol the unit again (gymedge hq enrol --unit ID).`);
  }
  const parsed = SyncCredentials.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${path} is not a valid sync credentials file (${issue?.path.join('.')}: ${issue?.message}).`,
    );
  }
  return parsed.data;
}

/** The unit's member keys (its `member_keys` table) as the sync engine needs them. */
export class UnitMemberKeys implements MemberKeys {
  readonly #db: Database;
  readonly #get: Statement<[string], { key: Buffer }>;
  readonly #put: Statement<[string, Uint8Array, string]>;
  readonly #erased: Statement<[string], { n: number }>;

  constructor(db: Database) {
    this.#db = db;
    this.#get = db.prepare('SELECT key FROM member_keys WHERE member_id = ?');
    this.#put = db.prepare('INSERT OR IGNORE INTO member_keys (member_id, key, created_at) VALUES (?, ?, ?)');
    this.#erased = db.prepare('SELECT count(*) AS n FROM erasures WHERE member_id = ?');
  }

  get(memberId: string): Uint8Array | undefined {
    const row = this.#get.get(memberId);
    return row === undefined ? undefined : new Uint8Array(row.key);
  }

  put(memberId: string, key: Uint8Array): void {
    if ((this.#erased.get(memberId)?.n ?? 0) > 0) return;
    this.#put.run(memberId, key, new Date().toISOString());
  }

  putAll(entries: ReadonlyArray<{ memberId: string; key: Uint8Array }>): void {
    if (entries.length === 0) return;
    this.#db.transaction(() => {
      for (const e of entries) this.put(e.memberId, e.key);
    })();
  }
}

/**
 * Builds the unit's sync from its credentials (not started). A member that arrives erased has its key
 * destroyed here, in the same transaction, through the unit's vault (so the erasure register holds it).
 */
export function createUnitSync(options: {
  readonly unit: UnitStore;
  readonly credentials: SyncCredentials;
  readonly logger: Logger;
  readonly version?: string;
  readonly repairEveryMs?: number;
  readonly resendAfterMs?: number;
}): UnitSync {
  const { unit } = options;
  return new UnitSync({
    credentials: options.credentials,
    db: unit.db,
    store: unit.store,
    logger: options.logger,
    keys: new UnitMemberKeys(unit.db),
    destroyKey: (memberId, erasedAt, peer) => {
      if (unit.vault.hasKey(memberId)) unit.vault.destroy(memberId, `sync:${peer}`, erasedAt);
    },
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.repairEveryMs === undefined ? {} : { repairEveryMs: options.repairEveryMs }),
    ...(options.resendAfterMs === undefined ? {} : { resendAfterMs: options.resendAfterMs }),
  });
}
