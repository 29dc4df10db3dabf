import type { UnitStore } from '@gymedge/edge/src/unit-store.ts';
import type { Inbox } from '@gymedge/store';
import type { Database } from 'better-sqlite3';

/**
 * What the relay does for real, done by hand so the HQ API and dashboard are tested on real documents
 * without the relay: the member keys a unit shares (the relay unwraps them from a batch), then every
 * change the unit logged, through HQ's inbox. Returns how many changes it handed over.
 */
export async function replicate(
  unit: UnitStore,
  unitId: string,
  target: { readonly db: Database; readonly inbox: Inbox },
  afterSeq = 0,
): Promise<number> {
  for (const key of unit.db
    .prepare<[], { member_id: string; key: Buffer; created_at: string }>(
      'SELECT member_id, key, created_at FROM member_keys',
    )
    .all()) {
    target.db
      .prepare('INSERT OR IGNORE INTO member_keys (member_id, key, created_at) VALUES (?, ?, ?)')
      .run(key.member_id, key.key, key.created_at);
  }
  const changes = unit.db
    .prepare<[number], { doc_id: string; bytes: Buffer }>(
      'SELECT doc_id, bytes FROM change_log WHERE seq > ? ORDER BY seq',
    )
    .all(afterSeq);
  for (const change of changes) {
    await target.inbox.receive(change.doc_id, new Uint8Array(change.bytes), unitId);
  }
  return changes.length;
}
