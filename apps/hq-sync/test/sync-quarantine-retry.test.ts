import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentStore, migrateStoreSchema, openDatabase, SqliteStorageAdapter } from '@gymedge/store';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreQuarantine } from '../src/quarantine.ts';
import { type HqStore, openHqStore } from '../src/relay/hq-store.ts';

// HQ's quarantine retry (the dashboard's "retry" button) goes through the one inbox: the same
// dependency buffering and authorisation as every delivery. The old path (`applyRemote`) refused an
// early change again and applied a change the sender had no right to make.

const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setting() {
  const dir = mkdtempSync(join(tmpdir(), 'gymedge-retry-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const hq: HqStore = openHqStore({ dir: join(dir, 'hq'), logger });
  cleanups.push(() => hq.close());
  const db = openDatabase(join(dir, 'unit.db'));
  migrateStoreSchema(db);
  const unit = new DocumentStore({
    db,
    storage: new SqliteStorageAdapter(db),
    unitId: 'sp-paulista',
    logger,
  });
  cleanups.push(async () => {
    await unit.close();
    db.close();
  });
  const member = await unit.create('member', {
    status: 'active',
    consent: { marketing: false, imageAnalytics: false },
    pii: {},
    region: 'centro',
  });
  await unit.update(member.id, { region: 'norte' });
  await unit.update(member.id, { region: 'sul' });
  const changes = db
    .prepare<[], { bytes: Buffer }>('SELECT bytes FROM change_log ORDER BY seq')
    .all()
    .map((r) => new Uint8Array(r.bytes));
  /** A row as an older build left it in HQ's quarantine. */
  const held = (bytes: Uint8Array, fromUnit: string, reason: string): number =>
    Number(
      hq.db
        .prepare(
          `INSERT INTO quarantine (doc_id, doc_type, origin, from_unit, reason, bytes, received_at)
           VALUES (?, 'member', 'remote', ?, ?, ?, ?)`,
        )
        .run(member.id, fromUnit, reason, bytes, new Date().toISOString()).lastInsertRowid,
    );
  return { hq, member, changes, held, quarantine: new StoreQuarantine(hq.db, hq.inbox) };
}

describe('HQ quarantine retry', () => {
  it('buffers a retried change until the change it depends on arrives, then applies both', async () => {
    const { hq, member, changes, held, quarantine } = await setting();
    const [first, second, third] = changes as [Uint8Array, Uint8Array, Uint8Array];
    const id = held(third, 'sp-paulista', 'waiting for 1 earlier change(s)');
    expect((await hq.inbox.receive(member.id, first, 'sp-paulista')).applied).toBe(1);
    expect(await quarantine.retry(id)).toMatchObject({ id, outcome: 'buffered' });
    expect(quarantine.get(id)?.resolvedAt).toBeDefined();
    expect(hq.store.get(member.id)).toMatchObject({ region: 'centro' });
    expect((await hq.inbox.receive(member.id, second, 'sp-paulista')).applied).toBe(2);
    expect(hq.store.get(member.id)).toMatchObject({ region: 'sul' });
    expect(hq.store.stats().quarantined).toBe(0);
  });

  it('applies the authorisation rule to a retried change: another unit may not edit the member', async () => {
    const { hq, member, changes, held, quarantine } = await setting();
    for (const bytes of changes.slice(0, 2)) await hq.inbox.receive(member.id, bytes, 'sp-paulista');
    // The third change, claimed by rj-copacabana (the broker vouches for the sender, not the bytes).
    const id = held(changes[2] as Uint8Array, 'rj-copacabana', 'kept aside by an older build');
    const outcome = await quarantine.retry(id);
    expect(outcome).toMatchObject({ id, outcome: 'quarantined' });
    expect(outcome?.reason).toMatch(/rj-copacabana may not write a document of unit sp-paulista/);
    expect(hq.store.get(member.id)).toMatchObject({ region: 'norte' });
    expect(await quarantine.retry(id)).toMatchObject({ outcome: 'duplicate' });
  });
});
