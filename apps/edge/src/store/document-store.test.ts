import * as A from '@automerge/automerge';
import { newDocId } from '@gymedge/crdt-schema';
import { DocumentInvalidError, DocumentValidationError, Inbox } from '@gymedge/store';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.ts';
import type { UnitStore } from '../unit-store.ts';
import { tempUnit } from './test-support.ts';

const plan = {
  name: 'Mensal',
  priceCents: 12990,
  currency: 'BRL' as const,
  billingPeriod: 'monthly' as const,
  access: 'home' as const,
  active: true,
};

describe('DocumentStore on a real SQLite file', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  function unit(unitId = 'sp-paulista', options = {}) {
    const t = tempUnit(unitId, options);
    cleanups.push(t.cleanup);
    const stores: UnitStore[] = [];
    const open = () => {
      const s = t.open();
      stores.push(s);
      cleanups.push(async () => {
        if (stores.includes(s)) {
          stores.splice(stores.indexOf(s), 1);
          await s.close();
        }
      });
      return s;
    };
    const close = async (s: UnitStore) => {
      stores.splice(stores.indexOf(s), 1);
      await s.close();
    };
    return { ...t, open, close };
  }

  it('keeps a created document across a restart, with its projection', async () => {
    const u = unit();
    let s = u.open();
    const created = await s.store.create('plan', plan);
    expect(created.id).toMatch(/^plan:/);
    expect(created.unitId).toBe('chain');
    await u.close(s);
    s = u.open();
    expect(s.store.get(created.id)).toEqual(created);
    expect(s.db.prepare('SELECT name, price_cents FROM plan_index').get()).toEqual({
      name: 'Mensal',
      price_cents: 12990,
    });
  });

  it('writes only the fields a patch changes, and nothing for a patch that changes nothing', async () => {
    const u = unit();
    const s = u.open();
    const created = await s.store.create('plan', plan);
    const logSize = () => s.store.stats().changeLogSize;
    expect(logSize()).toBe(1);
    const same = await s.store.update(created.id, { priceCents: 12990, name: 'Mensal' });
    expect(same.changed).toBe(false);
    expect(logSize()).toBe(1);
    const changed = await s.store.update(created.id, { priceCents: 13990 });
    expect(changed.changed).toBe(true);
    expect(changed.doc.priceCents).toBe(13990);
    expect(logSize()).toBe(2);
  });

  it('takes a change to a document whose creation has not committed yet, and keeps both', async () => {
    const u = unit();
    let s = u.open();
    const id = newDocId('plan');
    const creating = s.store.create('plan', plan, { id });
    expect(s.store.has(id)).toBe(true);
    expect(s.store.get(id)?.name).toBe('Mensal');
    const changing = s.store.update(id, { priceCents: 9990 });
    await Promise.all([creating, changing]);
    await u.close(s);
    s = u.open();
    expect(s.store.get(id)?.priceCents).toBe(9990);
    expect(s.db.prepare('SELECT count(*) AS n FROM change_log WHERE doc_id = ?').get(id)).toEqual({ n: 2 });
  });

  it('refuses a write that would break the schema and stores nothing', async () => {
    const u = unit();
    const s = u.open();
    await expect(s.store.create('plan', { ...plan, priceCents: 12.5 })).rejects.toThrow(
      DocumentValidationError,
    );
    expect(s.store.stats().documents).toBe(0);
    const created = await s.store.create('plan', plan);
    await expect(s.store.update(created.id, { billingPeriod: 'weekly' as never })).rejects.toThrow(
      /billingPeriod/,
    );
    await expect(s.store.update(created.id, { id: newDocId('plan') } as never)).rejects.toThrow(
      /cannot be changed/,
    );
    expect(s.store.get(created.id)?.billingPeriod).toBe('monthly');
    expect(s.store.stats().changeLogSize).toBe(1);
  });

  it('groups concurrent writes into fewer transactions, each acknowledged only after commit', async () => {
    const u = unit();
    const s = u.open();
    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, i) => s.store.create('plan', { ...plan, name: `P${i}` })),
    );
    const stats = s.store.stats();
    expect(stats.committedWrites).toBe(200);
    expect(stats.commits).toBeLessThan(20);
    expect(s.db.prepare('SELECT count(*) AS n FROM plan_index').get()).toEqual({ n: 200 });
    expect(new Set(ids.map((d) => d.id)).size).toBe(200);
  });

  it('keeps at most cacheSize live documents and still reads every one', async () => {
    const u = unit('sp-paulista', { cacheSize: 10 });
    const s = u.open();
    const docs = [];
    for (let i = 0; i < 40; i++) docs.push(await s.store.create('plan', { ...plan, name: `Plan ${i}` }));
    expect(s.store.stats().liveDocuments).toBeLessThanOrEqual(10);
    for (const doc of docs) expect(s.store.get(doc.id)?.name).toBe(doc.name);
    expect(s.store.stats().liveDocuments).toBeLessThanOrEqual(10);
    await Promise.all(docs.map((d, i) => s.store.update(d.id, { priceCents: 1000 + i })));
    for (const [i, doc] of docs.entries()) expect(s.store.get(doc.id)?.priceCents).toBe(1000 + i);
  });

  it('compacts many chunks into one snapshot without changing the document', async () => {
    const u = unit();
    let s = u.open();
    const created = await s.store.create('plan', plan);
    for (let i = 1; i <= 20; i++) await s.store.update(created.id, { priceCents: 10000 + i });
    const chunks = () => s.db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number };
    expect(chunks().n).toBe(21);
    expect(s.store.compact()).toBe(1);
    expect(chunks().n).toBe(1);
    expect(s.store.get(created.id)?.priceCents).toBe(10020);
    await s.store.update(created.id, { priceCents: 99 });
    await u.close(s);
    s = u.open();
    expect(s.store.get(created.id)?.priceCents).toBe(99);
  });

  it('migrates an old member document when it is loaded, and stores the migration', async () => {
    const u = unit();
    let s = u.open();
    const id = newDocId('member');
    const now = new Date().toISOString();
    const v1 = A.from({
      id: new A.ImmutableString(id),
      type: new A.ImmutableString('member'),
      schemaVersion: 1,
      unitId: new A.ImmutableString('sp-paulista'),
      createdAt: new A.ImmutableString(now),
      updatedAt: new A.ImmutableString(now),
      status: new A.ImmutableString('active'),
      pii: {},
    });
    s.db.prepare('INSERT INTO chunks (key, data) VALUES (?, ?)').run(`${id}/incremental/x`, A.save(v1));
    s.db
      .prepare("INSERT INTO documents VALUES (?, 'member', 'sp-paulista', 1, '', 1, 10, ?, ?)")
      .run(id, now, now);
    const doc = s.store.get<'member'>(id);
    expect(doc?.schemaVersion).toBe(2);
    expect(doc?.consent).toEqual({ marketing: false, imageAnalytics: false });
    await s.store.flush();
    await u.close(s);
    s = u.open();
    expect(s.db.prepare('SELECT schema_version FROM documents WHERE doc_id = ?').get(id)).toEqual({
      schema_version: 2,
    });
  });

  it('projects an old-version document in its migrated form when the read models are rebuilt', async () => {
    const u = unit();
    const s = u.open();
    const id = newDocId('member');
    const now = new Date().toISOString();
    const v1 = A.from({
      id: new A.ImmutableString(id),
      type: new A.ImmutableString('member'),
      schemaVersion: 1,
      unitId: new A.ImmutableString('sp-paulista'),
      createdAt: new A.ImmutableString(now),
      updatedAt: new A.ImmutableString(now),
      status: new A.ImmutableString('active'),
      pii: {},
    });
    s.db.prepare('INSERT INTO chunks (key, data) VALUES (?, ?)').run(`${id}/incremental/x`, A.save(v1));
    s.db
      .prepare("INSERT INTO documents VALUES (?, 'member', 'sp-paulista', 1, '', 1, 10, ?, ?)")
      .run(id, now, now);
    s.store.rebuildProjections(['members']);
    expect(
      s.db.prepare('SELECT status, consent_marketing FROM member_index WHERE doc_id = ?').get(id),
    ).toEqual({
      status: 'active',
      consent_marketing: 0,
    });
    expect(s.store.stats().quarantined).toBe(0);
  });

  it('quarantines a stored document that breaks its schema instead of serving it', async () => {
    const u = unit();
    const s = u.open();
    const id = newDocId('plan');
    const bad = A.from({
      id: new A.ImmutableString(id),
      type: new A.ImmutableString('plan'),
      schemaVersion: 1,
      priceCents: -5,
    });
    s.db.prepare('INSERT INTO chunks (key, data) VALUES (?, ?)').run(`${id}/incremental/x`, A.save(bad));
    expect(() => s.store.get(id)).toThrow(DocumentInvalidError);
    const q = s.db.prepare('SELECT doc_id, origin, reason FROM quarantine').all() as Array<{
      reason: string;
    }>;
    expect(q).toHaveLength(1);
    expect(q[0]?.reason).toMatch(/priceCents/);
    expect(s.db.prepare('SELECT count(*) AS n FROM chunks').get()).toEqual({ n: 1 });
  });

  it('rebuilds projections from the documents', async () => {
    const u = unit();
    const s = u.open();
    for (let i = 0; i < 30; i++) await s.store.create('plan', { ...plan, name: `Plan ${i}` });
    s.db.exec('DELETE FROM plan_index');
    const progress: number[] = [];
    s.store.rebuildProjections(['operations'], (done) => progress.push(done));
    expect(s.db.prepare('SELECT count(*) AS n FROM plan_index').get()).toEqual({ n: 30 });
    expect(progress.at(-1)).toBe(30);
  });
});

describe('Merging changes from another unit', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  function open(unitId: string) {
    const t = tempUnit(unitId);
    const s = t.open();
    cleanups.push(t.cleanup, () => s.close());
    return s;
  }
  // The store's own merging, through the one inbox; who may write what is the inbox's tests' business.
  const inboxes = new Map<UnitStore, Inbox>();
  const receive = (s: UnitStore, docId: string, bytes: Uint8Array, peer: string) => {
    let inbox = inboxes.get(s);
    if (inbox === undefined) {
      inbox = new Inbox({ store: s.store, db: s.db, logger: silentLogger(), authorise: () => undefined });
      inboxes.set(s, inbox);
    }
    return inbox.receive(docId, bytes, peer);
  };
  const logOf = (s: UnitStore, docId: string) =>
    (
      s.db.prepare('SELECT bytes FROM change_log WHERE doc_id = ? ORDER BY seq').all(docId) as Array<{
        bytes: Buffer;
      }>
    ).map((r) => new Uint8Array(r.bytes));
  const since = (s: UnitStore, docId: string, after: number) =>
    (
      s.db
        .prepare('SELECT bytes FROM change_log WHERE doc_id = ? AND seq > ? ORDER BY seq')
        .all(docId, after) as Array<{
        bytes: Buffer;
      }>
    ).map((r) => new Uint8Array(r.bytes));
  const maxSeq = (s: UnitStore) =>
    (s.db.prepare('SELECT max(seq) AS n FROM change_log').get() as { n: number }).n;

  it('converges when two units edit different fields of the same document', async () => {
    const sp = open('sp-paulista');
    const rj = open('rj-copacabana');
    const created = await sp.store.create('plan', plan);
    for (const bytes of logOf(sp, created.id))
      expect((await receive(rj, created.id, bytes, 'sp-paulista')).applied).toBe(1);
    const spMark = maxSeq(sp);
    const rjMark = maxSeq(rj);
    await sp.store.update(created.id, { priceCents: 14990 });
    await rj.store.update(created.id, { name: 'Mensal Flex' });
    for (const bytes of since(sp, created.id, spMark)) await receive(rj, created.id, bytes, 'sp-paulista');
    for (const bytes of since(rj, created.id, rjMark)) await receive(sp, created.id, bytes, 'rj-copacabana');
    const a = sp.store.get(created.id);
    const b = rj.store.get(created.id);
    expect(a).toEqual(b);
    expect(a?.priceCents).toBe(14990);
    expect(a?.name).toBe('Mensal Flex');
    expect(rj.db.prepare('SELECT name, price_cents FROM plan_index').get()).toEqual({
      name: 'Mensal Flex',
      price_cents: 14990,
    });
  });

  it('treats a change it already has as a duplicate', async () => {
    const sp = open('sp-paulista');
    const rj = open('rj-copacabana');
    const created = await sp.store.create('plan', plan);
    const [bytes] = logOf(sp, created.id);
    expect((await receive(rj, created.id, bytes!, 'sp-paulista')).applied).toBe(1);
    expect((await receive(rj, created.id, bytes!, 'sp-paulista')).duplicates).toBe(1);
    expect(rj.store.stats().changeLogSize).toBe(1);
  });

  it('holds garbage and newer-schema changes, repairs a schema-breaking one, buffers an early one, and keeps the document valid', async () => {
    const sp = open('sp-paulista');
    const rj = open('rj-copacabana');
    const created = await sp.store.create('plan', plan);
    const [first] = logOf(sp, created.id);
    await receive(rj, created.id, first!, 'sp-paulista');

    const garbage = await receive(rj, created.id, new Uint8Array([1, 2, 3, 4, 5]), 'sp-paulista');
    expect(garbage.quarantined).toBe(1);

    // A replica that skips validation writes a negative price: merged, then undone by a repair change.
    const rogue = A.load<Record<string, unknown>>(first!);
    const broken = A.change(rogue, (d) => {
      d.priceCents = -100;
    });
    const bad = await receive(rj, created.id, A.getLastLocalChange(broken)!, 'sp-paulista');
    expect(bad.reverted).toBe(1);
    expect(bad.reason).toMatch(/priceCents/);

    const newer = A.change(A.load<Record<string, unknown>>(first!), (d) => {
      d.schemaVersion = 9;
    });
    const fromFuture = await receive(rj, created.id, A.getLastLocalChange(newer)!, 'sp-paulista');
    expect(fromFuture.quarantined).toBe(1);
    expect(fromFuture.reason).toMatch(/newer than this build/);

    // Two changes made in order; the second arrives alone and waits for the first.
    const mark = maxSeq(sp);
    await sp.store.update(created.id, { priceCents: 1 });
    await sp.store.update(created.id, { priceCents: 2 });
    const [one, second] = since(sp, created.id, mark);
    expect((await receive(rj, created.id, second!, 'sp-paulista')).buffered).toBe(1);

    const wrongId = await receive(rj, 'not-an-id', first!, 'sp-paulista');
    expect(wrongId.quarantined).toBe(1);

    expect(rj.store.get(created.id)).toMatchObject({ priceCents: plan.priceCents });
    expect(rj.store.stats().quarantined).toBe(3);
    // The change it waited for arrives: both apply.
    expect((await receive(rj, created.id, one!, 'sp-paulista')).applied).toBe(2);
    expect(rj.store.get(created.id)).toMatchObject({ priceCents: 2 });
  });
});
