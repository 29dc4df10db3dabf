import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { DocumentStore } from './document-store.ts';
import { decodeChanges, Inbox } from './inbox.ts';
import { SqliteStorageAdapter } from './sqlite-storage.ts';
import { migrateStoreSchema } from './store-schema.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openAt(path: string, unitId = 'sp-paulista') {
  const db = openDatabase(path);
  migrateStoreSchema(db);
  const logger = pino({ level: 'silent' });
  const store = new DocumentStore({ db, storage: new SqliteStorageAdapter(db), unitId, logger });
  return {
    db,
    store,
    inbox: new Inbox({ store, db, logger }),
    lastRow: () =>
      db.prepare<[], { bytes: Buffer }>('SELECT bytes FROM change_log ORDER BY seq DESC LIMIT 1').get() as {
        bytes: Buffer;
      },
    close: async () => {
      await store.close();
      db.close();
    },
  };
}

const member = { status: 'active' as const, consent: { marketing: false, imageAnalytics: false }, pii: {} };

describe('the change log after a document is loaded from disk', () => {
  it('logs (and so ships) only the new change, never the history loaded from disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gymedge-log-'));
    dirs.push(dir);
    const path = join(dir, 'unit.db');
    const first = openAt(path);
    const created = await first.store.create('member', { ...member, region: 'centro' });
    for (let i = 0; i < 40; i++) await first.store.update(created.id, { region: `zona ${i}` });
    await first.close();

    // A new process: the document is loaded from its chunks, then changed once.
    const again = openAt(path);
    await again.store.update(created.id, { region: 'norte' });
    const row = again.lastRow();
    expect(decodeChanges(new Uint8Array(row.bytes))).toHaveLength(1);
    expect(row.bytes.length).toBeLessThan(400);
    // ... and a second change right after is just as small.
    await again.store.update(created.id, { region: 'sul' });
    expect(decodeChanges(new Uint8Array(again.lastRow().bytes))).toHaveLength(1);
    await again.close();
  });

  it('a local change after merged remote changes logs only itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gymedge-log-'));
    dirs.push(dir);
    const hq = openAt(join(dir, 'hq.db'), 'hq');
    const unit = openAt(join(dir, 'unit.db'));
    const created = await unit.store.create('member', { ...member, region: 'centro' });
    for (let i = 0; i < 20; i++) await unit.store.update(created.id, { region: `zona ${i}` });
    const rows = unit.db
      .prepare<[], { doc_id: string; bytes: Buffer }>('SELECT doc_id, bytes FROM change_log ORDER BY seq')
      .all();
    await unit.close();
    // HQ loads the document from disk between deliveries (a fresh process), then edits it.
    for (const r of rows) await hq.inbox.receive(r.doc_id, new Uint8Array(r.bytes), 'sp-paulista');
    await hq.close();
    const hq2 = openAt(join(dir, 'hq.db'), 'hq');
    await hq2.store.update(created.id, { region: 'corrigido em HQ' });
    expect(decodeChanges(new Uint8Array(hq2.lastRow().bytes))).toHaveLength(1);
    await hq2.close();
  });
});

describe('group commit across turns (HQ)', () => {
  it('merges queued from many deliveries share a commit, and each delivery resolves only once durable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gymedge-group-'));
    dirs.push(dir);
    const unit = openAt(join(dir, 'unit.db'));
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push((await unit.store.create('member', { ...member, region: 'a' })).id);
    for (let round = 0; round < 3; round++)
      await Promise.all(ids.map((id) => unit.store.update(id, { region: `r${round}` })));
    const rows = unit.db
      .prepare<[], { doc_id: string; bytes: Buffer }>('SELECT doc_id, bytes FROM change_log ORDER BY seq')
      .all();
    await unit.close();
    const db = openDatabase(join(dir, 'hq.db'));
    migrateStoreSchema(db);
    const logger = pino({ level: 'silent' });
    // A long window, so the commit is decided by the write count: 200 deliveries, 50 writes a commit.
    const store = new DocumentStore({
      db,
      storage: new SqliteStorageAdapter(db),
      unitId: 'hq',
      logger,
      chainOwner: true,
      commitWindowMs: 60_000,
      commitMaxWrites: 50,
    });
    const inbox = new Inbox({ store, db, logger });
    const durable = db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM change_log WHERE change_hash = ?',
    );
    const seen: number[] = [];
    await Promise.all(
      rows.map((r) =>
        inbox.receive(r.doc_id, new Uint8Array(r.bytes), 'sp-paulista').then((out) => {
          expect(out.applied).toBe(1);
          // Its change is in HQ's committed log when the delivery resolves (the ack may go out).
          const hash = decodeChanges(new Uint8Array(r.bytes))?.[0]?.hash ?? '';
          seen.push(durable.get(hash)?.n ?? 0);
        }),
      ),
    );
    expect(seen).toHaveLength(200);
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(store.stats().commits).toBeLessThanOrEqual(5);
    await store.close();
    db.close();
  });
});
