import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { deterministicDocId } from '@gymedge/crdt-schema';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  headsOf,
  planFields,
  scratch,
  startAedes,
  startHq,
  startMosquitto,
  startUnit,
  system,
  type TestBroker,
  type TestHq,
  type TestUnit,
  waitFor,
} from './sync-support.ts';

async function backup(db: import('better-sqlite3').Database, to: string): Promise<void> {
  await db.backup(to);
}

function replaceDatabase(path: string, from: string): void {
  for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  copyFileSync(from, path);
}

for (const kind of ['aedes', 'mosquitto'] as const) {
  describe(`restores and partitions (${kind})`, () => {
    const { dir, cleanup } = scratch(`chaos-restore-${kind}`);
    let broker: TestBroker;
    let hq: TestHq;
    let sp: TestUnit;
    let rj: TestUnit;
    const same = () =>
      headsOf(hq.hq.db, 'sp-paulista') === headsOf(sp.unit.db, 'sp-paulista') &&
      headsOf(hq.hq.db, 'rj-copacabana') === headsOf(rj.unit.db, 'rj-copacabana') &&
      headsOf(hq.hq.db, 'chain') === headsOf(sp.unit.db, 'chain') &&
      headsOf(hq.hq.db, 'chain') === headsOf(rj.unit.db, 'chain');

    afterAll(async () => {
      await closeAll(sp, rj, hq, broker);
      cleanup();
    });

    it('HQ restored from an old backup heals from the units without an operator', {
      timeout: 90_000,
    }, async () => {
      broker = kind === 'aedes' ? await startAedes() : await startMosquitto();
      hq = await startHq(dir, broker.url);
      sp = await startUnit(dir, 'sp-paulista', broker.url, 1000);
      rj = await startUnit(dir, 'rj-copacabana', broker.url, 1000);
      for (let i = 0; i < 20; i++) await sp.unit.members.create({ name: `Antes ${i}` }, system);
      await waitFor('first sync', () => same() && sp.sync.status().pendingChanges === 0, 30_000);
      const old = join(dir, 'hq-old.db');
      await backup(hq.hq.db, old);
      const after: Array<{ id: string }> = [];
      for (let i = 0; i < 20; i++) after.push(await sp.unit.members.create({ name: `Depois ${i}` }, system));
      await rj.unit.members.create({ name: 'Depois rj' }, system);
      // HQ's own chain-wide edits after the backup: a new plan, edited; the units replicate them.
      const planId = deterministicDocId('plan', 'after-the-backup');
      await hq.hq.store.create('plan', planFields('Plano Novo', 100), { id: planId });
      for (let i = 1; i <= 5; i++) await hq.hq.store.update(planId, { priceCents: 100 + i });
      hq.relay.poke();
      await waitFor(
        'second sync',
        () =>
          same() &&
          sp.sync.status().pendingChanges === 0 &&
          rj.unit.store.get<'plan'>(planId)?.priceCents === 105,
        30_000,
      );
      // The units pruned their logs: what HQ loses now exists only at the units.
      await hq.close();
      replaceDatabase(join(hq.dir, 'hq.db'), old);
      hq = await startHq(dir, broker.url);
      expect(hq.hq.store.has(after[0]!.id)).toBe(false);
      expect(hq.hq.store.has(planId)).toBe(false);
      await waitFor('HQ healed by repair', same, 45_000);
      expect(hq.hq.store.has(after[19]!.id)).toBe(true);
      expect(hq.hq.keys.get(after[19]!.id)).toBeDefined();
      // HQ took its own chain-wide changes back from the units (they carry HQ's seals), as its own.
      expect(hq.hq.store.get<'plan'>(planId)?.priceCents).toBe(105);
      expect(hq.hq.store.stats().quarantined).toBe(0);
    });

    it('a unit restored from an old backup gets back what it made after it, with the keys', {
      timeout: 90_000,
    }, async () => {
      const old = join(dir, 'sp-old.db');
      await backup(sp.unit.db, old);
      const later: Array<{ id: string }> = [];
      for (let i = 0; i < 10; i++) later.push(await sp.unit.members.create({ name: `Perdido ${i}` }, system));
      await waitFor('HQ has them', () => same() && sp.sync.status().pendingChanges === 0, 30_000);
      await sp.close();
      replaceDatabase(join(sp.dir, 'unit.db'), old);
      sp = await startUnit(dir, 'sp-paulista', broker.url, 1000);
      expect(sp.unit.store.has(later[0]!.id)).toBe(false);
      // New writes after the restore reuse sequence numbers: they must still reach HQ.
      const fresh = await sp.unit.members.create({ name: 'Depois da restauração' }, system);
      await waitFor('unit healed by repair', () => same() && sp.unit.store.has(later[9]!.id), 45_000);
      expect(hq.hq.store.has(fresh.id)).toBe(true);
      expect(sp.unit.members.get(later[3]!.id)?.name).toBe('Perdido 3');
    });

    it('a long partition with thousands of edits on both sides, the same chain-wide document edited at HQ and at a unit', {
      timeout: 120_000,
    }, async () => {
      const planId = deterministicDocId('plan', 'partition-test');
      await hq.hq.store.create('plan', planFields('Plano Partição', 9990), { id: planId });
      hq.relay.poke();
      await waitFor('plan everywhere', () => sp.unit.store.has(planId) && rj.unit.store.has(planId), 20_000);
      const member = await sp.unit.members.create({ name: 'Maria Particionada' }, system);
      await waitFor('member at HQ', () => hq.hq.store.has(member.id), 20_000);
      await sp.sync.stop();
      const ids = sp.unit.store
        .idsOfType('member')
        .filter((id) => sp.unit.store.get<'member'>(id)?.status === 'active');
      // sp, cut off: 1,500 edits of its members, and an edit of the chain-wide plan it may not make.
      for (let i = 0; i < 1500; i += 50) {
        // 50 writers at a time (group commit); each document written once per round, in order.
        await Promise.all(
          ids.slice(0, 50).map((id, k) => sp.unit.store.update(id, { region: `sp-${i + k}` })),
        );
      }
      await sp.unit.store.update(planId, { priceCents: 1 });
      // HQ meanwhile: 500 edits of the plan, and an edit of a field of sp's member (HQ may write any document).
      for (let i = 0; i < 500; i++) await hq.hq.store.update(planId, { priceCents: 10_000 + i });
      expect(ids.length).toBeGreaterThanOrEqual(50);
      await hq.hq.store.update(member.id, { signupDate: '2026-02-01' });
      await sp.unit.store.update(member.id, { consent: { marketing: true, imageAnalytics: false } });
      hq.relay.poke();
      sp.sync.start();
      const reconnected = Date.now();
      await waitFor('converged after the partition', same, 90_000);
      console.log(`${kind}: converged ${Date.now() - reconnected} ms after the partition ended`);
      // HQ's plan wins (the unit's edit was repaired by a new change); both edits of the member are kept.
      expect(sp.unit.store.get<'plan'>(planId)?.priceCents).toBe(10_499);
      expect(hq.hq.store.get<'plan'>(planId)?.priceCents).toBe(10_499);
      expect(sp.unit.store.get<'member'>(member.id)).toMatchObject({
        signupDate: '2026-02-01',
        consent: { marketing: true },
      });
      expect(hq.hq.store.get(member.id)).toEqual(sp.unit.store.get(member.id));
    });
  });
}
