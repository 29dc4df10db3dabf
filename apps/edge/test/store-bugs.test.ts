import * as A from '@automerge/automerge';
import { newDocId } from '@gymedge/crdt-schema';
import { DocumentInvalidError, Inbox } from '@gymedge/store';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/lib/logger.ts';
import { tempUnit } from '../src/store/test-support.ts';
import type { UnitStore } from '../src/unit-store.ts';

// Regression tests for issue 13's store bugs, each against a real unit store on a real SQLite file.

const plan = {
  name: 'Mensal',
  priceCents: 12990,
  currency: 'BRL' as const,
  billingPeriod: 'monthly' as const,
  access: 'home' as const,
  active: true,
};

describe('store bugs from the review (issue 13)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  function unit(options: { cacheSize?: number } = {}) {
    const t = tempUnit('sp-paulista', options);
    cleanups.push(t.cleanup);
    let current: UnitStore | undefined;
    const open = () => {
      current = t.open();
      const opened = current;
      cleanups.push(async () => {
        if (current === opened) await opened.close();
      });
      return opened;
    };
    const reopen = async () => {
      await current?.close();
      return open();
    };
    return { open, reopen };
  }
  const failing = {
    also: () => {
      throw new Error('disk said no');
    },
  };

  it('a write that fails to commit fails alone: the next write to that document succeeds', async () => {
    const u = unit();
    const s = u.open();
    const created = await s.store.create('plan', plan);
    await expect(s.store.update(created.id, { priceCents: 1 }, failing)).rejects.toThrow('disk said no');
    // Before the fix the document stayed locked until a restart ("an earlier change ... failed").
    const after = await s.store.update(created.id, { priceCents: 14990 });
    expect(after.doc.priceCents).toBe(14990);
    const again = await u.reopen();
    expect(again.store.get(created.id)).toMatchObject({ priceCents: 14990 });
  });

  it('a failed create does not lock its id: creating it again works', async () => {
    const u = unit();
    const s = u.open();
    const id = newDocId('plan');
    await expect(s.store.create('plan', plan, { id, ...failing })).rejects.toThrow('disk said no');
    expect(s.store.has(id)).toBe(false);
    const made = await s.store.create('plan', plan, { id });
    expect(made.id).toBe(id);
  });

  it('writes queued on top of a failed write fail with it, and the disk never holds a change with a missing parent', async () => {
    const u = unit();
    const s = u.open();
    const created = await s.store.create('plan', plan);
    const first = s.store.update(created.id, { priceCents: 1 }, failing);
    const second = s.store.update(created.id, { name: 'Mensal Plus' });
    await expect(first).rejects.toThrow('disk said no');
    await expect(second).rejects.toThrow(/earlier change/);
    const third = await s.store.update(created.id, { name: 'Mensal Flex' });
    expect(third.doc).toMatchObject({ name: 'Mensal Flex', priceCents: 12990 });
    const again = await u.reopen();
    expect(again.store.get(created.id)).toMatchObject({ name: 'Mensal Flex', priceCents: 12990 });
  });

  it('a remote change racing a queued local write leaves nothing pinned, and a cache of 1 keeps working', async () => {
    const u = unit({ cacheSize: 1 });
    const s = u.open();
    const a = await s.store.create('plan', plan);
    const bytes = (
      s.db.prepare('SELECT bytes FROM change_log WHERE doc_id = ?').all(a.id) as Array<{ bytes: Buffer }>
    ).map((r) => new Uint8Array(r.bytes));
    const other = A.load<{ name: unknown; priceCents: number }>(bytes[0] as Uint8Array, {
      actor: 'ab'.repeat(16) as A.ActorId,
    });
    const changed = A.change(other, (d) => {
      d.priceCents = 15990;
    });
    const remote = A.getLastLocalChange(changed) as Uint8Array;
    A.free(changed);
    const local = s.store.update(a.id, { name: 'Mensal Local' });
    const inbox = new Inbox({ store: s.store, db: s.db, logger: silentLogger(), authorise: () => undefined });
    const merged = inbox.receive(a.id, remote, 'rj-copacabana');
    await local;
    expect((await merged).applied).toBe(1);
    // Before the fix `a` stayed pinned for good, and loading `b` then evicted `b` itself, so the
    // update below called Automerge on a freed document ("null pointer passed to rust").
    const b = await s.store.create('plan', { ...plan, name: 'Anual' });
    const updated = await s.store.update(b.id, { priceCents: 99900 });
    expect(updated.doc.priceCents).toBe(99900);
    await s.store.update(a.id, { active: false });
    await s.store.flush();
    expect(s.store.stats().liveDocuments).toBeLessThanOrEqual(1);
    expect(s.store.get(a.id)).toMatchObject({ name: 'Mensal Local', priceCents: 15990, active: false });
    for (let i = 0; i < 20; i++) await s.store.update(i % 2 ? a.id : b.id, { priceCents: 100 + i });
    expect(s.store.stats().liveDocuments).toBeLessThanOrEqual(1);
  });

  it('local writes interleaved with a burst of remote changes to the same document all land, in a cache of 1', async () => {
    const u = unit({ cacheSize: 1 });
    const s = u.open();
    const a = await s.store.create('plan', plan);
    const b = await s.store.create('plan', { ...plan, name: 'Anual' });
    const first = (
      s.db.prepare('SELECT bytes FROM change_log WHERE doc_id = ? ORDER BY seq').get(a.id) as {
        bytes: Buffer;
      }
    ).bytes;
    // Another replica makes 30 changes to the price of `a`.
    let other = A.load<{ priceCents: number }>(new Uint8Array(first), {
      actor: 'cd'.repeat(16) as A.ActorId,
    });
    const remote: Uint8Array[] = [];
    for (let i = 0; i < 30; i++) {
      other = A.change(other, (d) => {
        d.priceCents = 20000 + i;
      });
      remote.push(A.getLastLocalChange(other) as Uint8Array);
    }
    A.free(other);
    const pending: Promise<unknown>[] = [];
    const inbox = new Inbox({ store: s.store, db: s.db, logger: silentLogger() });
    for (let i = 0; i < remote.length; i++) {
      pending.push(inbox.receive(a.id, remote[i] as Uint8Array, 'hq'));
      if (i % 5 === 0) pending.push(s.store.update(a.id, { name: `Mensal ${'abcdefg'[i / 5]}` }));
      if (i % 7 === 0) pending.push(s.store.update(b.id, { priceCents: 30000 + i }));
    }
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    await s.store.flush();
    expect(s.store.stats().liveDocuments).toBeLessThanOrEqual(1);
    const again = await u.reopen();
    expect(again.store.get(a.id)).toMatchObject({ name: 'Mensal f', priceCents: 20029 });
    expect(again.store.get(b.id)).toMatchObject({ priceCents: 30028 });
  });

  it('a patch that changes nothing is not acknowledged before the write it read is durable', async () => {
    const u = unit();
    const s = u.open();
    const created = await s.store.create('plan', plan);
    const order: string[] = [];
    const first = s.store.update(created.id, { priceCents: 777 }, failing).then(
      () => order.push('first ok'),
      () => order.push('first failed'),
    );
    // Same value as the uncommitted write: compared with the cache it "changes nothing".
    const second = s.store.update(created.id, { priceCents: 777 }).then((r) => {
      order.push(`second ${r.changed}`);
      return r;
    });
    await Promise.all([first, second]);
    // Before the fix the second answered `changed: false` at once, and 777 was never stored.
    expect(order).toEqual(['first failed', 'second true']);
    expect((await second).doc.priceCents).toBe(777);
    const again = await u.reopen();
    expect(again.store.get(created.id)).toMatchObject({ priceCents: 777 });
  });

  it('a patch that changes nothing waits for the in-flight write it matches, then answers changed: false', async () => {
    const u = unit();
    const s = u.open();
    const created = await s.store.create('plan', plan);
    let committed = false;
    const first = s.store.update(created.id, { priceCents: 888 }).then(() => {
      committed = true;
    });
    const second = await s.store.update(created.id, { priceCents: 888 });
    expect(committed).toBe(true);
    expect(second.changed).toBe(false);
    await first;
  });

  it('stores what the schema made of the input (trimmed), not the raw input', async () => {
    const u = unit();
    const s = u.open();
    const created = await s.store.create('plan', { ...plan, name: '  Mensal Flex  ' });
    expect(created.name).toBe('Mensal Flex');
    const updated = await s.store.update(created.id, { name: ' Anual ' });
    expect(updated.doc.name).toBe('Anual');
    const again = await u.reopen();
    expect(again.store.get(created.id)).toMatchObject({ name: 'Anual' });
    expect(again.db.prepare('SELECT name FROM plan_index').get()).toEqual({ name: 'Anual' });
    // The same value typed with spaces changes nothing.
    expect((await again.store.update(created.id, { name: 'Anual  ' })).changed).toBe(false);
  });

  it('quarantines a broken stored document once, however often it is read or rebuilt', async () => {
    const u = unit();
    const s = u.open();
    const id = newDocId('plan');
    const bad = A.from({
      id: new A.ImmutableString(id),
      type: new A.ImmutableString('plan'),
      schemaVersion: 1,
      priceCents: -5,
    });
    s.db
      .prepare('INSERT INTO documents VALUES (?, ?, ?, 1, ?, 1, 1, ?, ?)')
      .run(id, 'plan', 'chain', '', '2026-01-01', '2026-01-01');
    s.db.prepare('INSERT INTO chunks (key, data) VALUES (?, ?)').run(`${id}/incremental/x`, A.save(bad));
    for (let i = 0; i < 3; i++) expect(() => s.store.get(id)).toThrow(DocumentInvalidError);
    s.store.rebuildProjections(['operations']);
    s.store.rebuildProjections(['operations']);
    const again = await u.reopen();
    expect(() => again.store.get(id)).toThrow(DocumentInvalidError);
    again.store.rebuildProjections();
    expect(again.store.stats().quarantined).toBe(1);
  });
});
