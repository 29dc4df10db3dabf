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
