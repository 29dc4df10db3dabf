import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as A from '@automerge/automerge';
import { newDocId } from '@gymedge/crdt-schema';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { DocumentStore } from './document-store.ts';
import { decodeChanges, Inbox } from './inbox.ts';
import { SqliteStorageAdapter } from './sqlite-storage.ts';
import { migrateStoreSchema } from './store-schema.ts';

const dirs: string[] = [];
const open: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function replica(unitId: string, chainOwner = false) {
  const dir = mkdtempSync(join(tmpdir(), 'gymedge-inbox-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'store.db'));
  migrateStoreSchema(db);
  const logger = pino({ level: 'silent' });
  const store = new DocumentStore({ db, storage: new SqliteStorageAdapter(db), unitId, logger, chainOwner });
  const inbox = new Inbox({ store, db, logger });
  const r = {
    db,
    store,
    inbox,
    /** change_log rows after `seq`, as a sender would ship them. */
    log: (after = 0) =>
      db
        .prepare<
          [number],
          {
            seq: number;
            doc_id: string;
            bytes: Buffer;
            actor: string;
            change_hash: string | null;
            unit_id: string;
          }
        >('SELECT seq, doc_id, bytes, actor, change_hash, unit_id FROM change_log WHERE seq > ? ORDER BY seq')
        .all(after),
    close: async () => {
      await store.close();
      db.close();
    },
  };
  open.push(r);
  return r;
}

const member = (_unitId: string) => ({
  status: 'active' as const,
  consent: { marketing: false, imageAnalytics: false },
  pii: {},
  region: 'centro',
});

describe('Inbox', () => {
  it('stores the bytes that arrived, with the remote actor and the real change hash', async () => {
    const sp = replica('sp-paulista');
    const hq = replica('hq', true);
    const created = await sp.store.create('member', member('sp-paulista'));
    for (let i = 0; i < 60; i++) await sp.store.update(created.id, { region: `zona ${i}` });
    const unique = new Map<string, number>();
    for (const row of sp.log()) {
      for (const c of decodeChanges(new Uint8Array(row.bytes)) ?? []) unique.set(c.hash, c.bytes.length);
      const out = await hq.inbox.receive(row.doc_id, new Uint8Array(row.bytes), 'sp-paulista');
      expect(out.applied).toBe(1);
      expect(out.quarantined + out.buffered).toBe(0);
    }
    const stored = hq.log();
    const storedBytes = stored.reduce((n, r) => n + r.bytes.length, 0);
    // Exactly the changes that arrived (each once), not a re-save of the history.
    expect(storedBytes).toBe([...unique.values()].reduce((a, b) => a + b, 0));
    expect(Math.max(...stored.map((r) => r.bytes.length))).toBeLessThan(400);
    expect(stored.every((r) => r.actor === sp.store.actorId && r.unit_id === 'sp-paulista')).toBe(true);
    expect(stored.map((r) => r.change_hash)).toEqual(sp.log().map((r) => r.change_hash));
    expect(hq.store.get(created.id)).toMatchObject({ region: 'zona 59' });
    // A re-delivery changes nothing.
    const again = await hq.inbox.receive(created.id, new Uint8Array(sp.log()[3]!.bytes), 'sp-paulista');
    expect(again).toMatchObject({ applied: 0, duplicates: 1 });
    expect(hq.log()).toHaveLength(stored.length);
  });

  it('buffers a change whose dependencies have not arrived and applies it when they do', async () => {
    const sp = replica('sp-paulista');
    const hq = replica('hq', true);
    const created = await sp.store.create('member', member('sp-paulista'));
    const [c0] = decodeChanges(new Uint8Array(sp.log()[0]!.bytes))!;
    let doc = A.load<Record<string, unknown>>(c0!.bytes);
    doc = A.change(doc, (d) => {
      d.region = 'a';
    });
    const c1 = A.getLastLocalChange(doc)!;
    doc = A.change(doc, (d) => {
      d.region = 'b';
    });
    const c2 = A.getLastLocalChange(doc)!;
    expect(await hq.inbox.receive(created.id, c2, 'sp-paulista')).toMatchObject({ buffered: 1, applied: 0 });
    expect(await hq.inbox.receive(created.id, c1, 'sp-paulista')).toMatchObject({ buffered: 1, applied: 0 });
    expect(hq.store.has(created.id)).toBe(false);
    expect(hq.inbox.pendingCount()).toBe(2);
    expect(await hq.inbox.receive(created.id, c0!.bytes, 'sp-paulista')).toMatchObject({ applied: 3 });
    expect(hq.inbox.pendingCount()).toBe(0);
    expect(hq.store.get(created.id)).toMatchObject({ region: 'b' });
    expect(hq.store.stats().quarantined).toBe(0);
  });

  it('repairs a refused change by a new change, so the replicas do not fork', async () => {
    const sp = replica('sp-paulista');
    const hq = replica('hq', true);
    const created = await sp.store.create('member', member('sp-paulista'));
    for (const row of sp.log()) await hq.inbox.receive(row.doc_id, new Uint8Array(row.bytes), 'sp-paulista');
    // A schema-breaking change made by sp (an older/buggy build), then a good one that depends on it.
    const seqBefore = sp.log().at(-1)!.seq;
    const live = A.load<Record<string, unknown>>(new Uint8Array(sp.log()[0]!.bytes));
    const broken = A.change(live, (d) => {
      d.status = 'bogus';
    });
    const bad = A.getLastLocalChange(broken)!;
    const good = A.getLastLocalChange(
      A.change(broken, (d) => {
        d.region = 'norte';
      }),
    )!;
    const r1 = await hq.inbox.receive(created.id, bad, 'sp-paulista');
    expect(r1.reverted).toBe(1);
    const r2 = await hq.inbox.receive(created.id, good, 'sp-paulista');
    expect(r2.applied).toBe(1);
    expect(hq.store.get(created.id)).toMatchObject({ status: 'active', region: 'norte' });
    // HQ's repair change reaches sp: both converge on the same heads and the same valid state.
    await sp.inbox.receive(created.id, bad, 'hq');
    await sp.inbox.receive(created.id, good, 'hq');
    for (const row of hq.log()) await sp.inbox.receive(row.doc_id, new Uint8Array(row.bytes), 'hq');
    expect(sp.store.get(created.id)).toEqual(hq.store.get(created.id));
    expect(sp.log(seqBefore).length).toBeGreaterThan(0);
    const openQuarantine = hq.db
      .prepare('SELECT count(*) AS n FROM quarantine WHERE resolved_at IS NULL')
      .get() as { n: number };
    expect(openQuarantine.n).toBe(0);
    const recorded = hq.db.prepare("SELECT reason FROM quarantine WHERE reason LIKE 'repaired%'").all();
    expect(recorded).toHaveLength(1);
  });

  it('authorises by scope and peer: no chain-wide writes from a unit, no moving members, no rewriting createdAt', async () => {
    const sp = replica('sp-paulista');
    const rj = replica('rj-copacabana');
    const hq = replica('hq', true);
    const owner = await rj.store.create(
      'staff',
      {
        name: 'Intruso',
        login: 'intruso',
        role: 'owner',
        units: ['*'],
        passwordHash: '$argon2id$v=19$x',
        active: true,
      },
      { unitId: 'chain' },
    );
    const sneaky = await hq.inbox.receive(owner.id, new Uint8Array(rj.log()[0]!.bytes), 'rj-copacabana');
    expect(sneaky.quarantined).toBe(1);
    expect(hq.store.has(owner.id)).toBe(false);

    const m = await sp.store.create('member', member('sp-paulista'));
    for (const row of sp.log()) {
      await hq.inbox.receive(row.doc_id, new Uint8Array(row.bytes), 'sp-paulista');
      await rj.inbox.receive(row.doc_id, new Uint8Array(row.bytes), 'hq');
    }
    // rj edits sp's member, tries to move it to rj and to rewrite createdAt.
    const doc = A.load<Record<string, unknown>>(new Uint8Array(sp.log()[0]!.bytes));
    const attempts = [
      (d: Record<string, unknown>) => {
        d.region = 'copacabana';
      },
      (d: Record<string, unknown>) => {
        d.unitId = 'rj-copacabana';
      },
      (d: Record<string, unknown>) => {
        d.createdAt = '2001-01-01T00:00:00.000Z';
      },
    ];
    for (const attempt of attempts) {
      const change = A.getLastLocalChange(A.change(A.clone(doc), attempt))!;
      const out = await hq.inbox.receive(m.id, change, 'rj-copacabana');
      expect(out.reverted).toBe(1);
    }
    expect(hq.store.get(m.id)).toMatchObject({
      unitId: 'sp-paulista',
      region: 'centro',
      createdAt: m.createdAt,
    });
    // The same edit from HQ is fine (HQ may write every document).
    const fromHq = A.getLastLocalChange(
      A.change(A.clone(doc), (d) => {
        d.region = 'pinheiros';
      }),
    )!;
    expect((await sp.inbox.receive(m.id, fromHq, 'hq')).applied).toBe(1);
  });

  it('refuses garbage, foreign ids and other documents without applying anything', async () => {
    const hq = replica('hq', true);
    const sp = replica('sp-paulista');
    const m = await sp.store.create('member', member('sp-paulista'));
    const bytes = new Uint8Array(sp.log()[0]!.bytes);
    expect((await hq.inbox.receive(m.id, new Uint8Array([1, 2, 3, 4, 5]), 'sp-paulista')).quarantined).toBe(
      1,
    );
    expect(
      (await hq.inbox.receive(m.id, bytes.subarray(0, bytes.length - 3), 'sp-paulista')).quarantined,
    ).toBe(1);
    expect((await hq.inbox.receive('nope', bytes, 'sp-paulista')).quarantined).toBe(1);
    const other = newDocId('member');
    expect((await hq.inbox.receive(other, bytes, 'sp-paulista')).quarantined).toBe(1);
    expect(hq.store.stats().documents).toBe(0);
    expect(decodeChanges(bytes)).toHaveLength(1);
  });

  it('writes a schema migration only at the owner, so consent recorded there survives the merge', async () => {
    const sp = replica('sp-paulista');
    const hq = replica('hq', true);
    const id = newDocId('member');
    const now = new Date().toISOString();
    // A member written by an older build (v1: no consent map), replicated to HQ.
    const v1 = A.from<Record<string, unknown>>({
      id,
      type: 'member',
      schemaVersion: 1,
      unitId: 'sp-paulista',
      createdAt: now,
      updatedAt: now,
      status: 'active',
      pii: {},
    });
    const v1bytes = A.save(v1);
    for (const c of A.getAllChanges(v1)) {
      await sp.inbox.receive(id, c, 'hq');
      await hq.inbox.receive(id, c, 'sp-paulista');
    }
    expect(v1bytes.length).toBeGreaterThan(0);
    // Both read it (both migrate in memory); only sp, the owner, writes the migration.
    expect(hq.store.get(id)).toMatchObject({ schemaVersion: 2, consent: { marketing: false } });
    expect(sp.store.get(id)).toMatchObject({ schemaVersion: 2 });
    await sp.store.update(id, { consent: { marketing: true } });
    await hq.store.flush();
    expect(hq.log().filter((r) => r.doc_id === id && r.unit_id === 'hq')).toHaveLength(0);
    for (const row of sp.log()) await hq.inbox.receive(row.doc_id, new Uint8Array(row.bytes), 'sp-paulista');
    expect(hq.store.get(id)).toMatchObject({ consent: { marketing: true } });
  });
  it('concurrent edits of the same field at HQ and at the owner unit end with one value at both (last writer wins per field)', async () => {
    const sp = replica('sp-paulista');
    const hq = replica('hq', true);
    const created = await sp.store.create('member', member('sp-paulista'));
    for (const row of sp.log()) await hq.inbox.receive(row.doc_id, new Uint8Array(row.bytes), 'sp-paulista');
    const spFrom = sp.log().at(-1)!.seq;
    const hqFrom = hq.log().at(-1)!.seq;
    await sp.store.update(created.id, { region: 'zona sul', status: 'inactive' });
    await hq.store.update(created.id, { region: 'zona norte', signupDate: '2026-03-01' });
    for (const row of sp.log(spFrom))
      await hq.inbox.receive(row.doc_id, new Uint8Array(row.bytes), 'sp-paulista');
    for (const row of hq.log(hqFrom)) {
      if (row.unit_id === 'hq') await sp.inbox.receive(row.doc_id, new Uint8Array(row.bytes), 'hq');
    }
    const a = sp.store.get<'member'>(created.id);
    const b = hq.store.get<'member'>(created.id);
    expect(a).toEqual(b);
    expect(['zona sul', 'zona norte']).toContain(a?.region);
    expect(a).toMatchObject({ status: 'inactive', signupDate: '2026-03-01' });
  });
});
