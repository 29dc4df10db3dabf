import { deterministicDocId } from '@gymedge/crdt-schema';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  headsOf,
  planFields,
  scratch,
  startAedes,
  startHq,
  startUnit,
  system,
  type TestBroker,
  type TestHq,
  type TestUnit,
  waitFor,
} from './sync-support.ts';

// HQ's change log is the outbox of HQ's own changes only: rows from the units go once committed, and
// HQ's chain-wide changes once every unit acknowledged them. Round after round of writes at two units
// and at HQ, the table (and each unit's) stays bounded instead of holding every change ever made.

const logSize = (db: import('better-sqlite3').Database): number =>
  (db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n;

describe('change logs stay bounded while the chain syncs', () => {
  const { dir, cleanup } = scratch('sync-log-bounded');
  let broker: TestBroker;
  let hq: TestHq;
  let sp: TestUnit;
  let rj: TestUnit;
  afterAll(async () => {
    await closeAll(sp, rj, hq, broker);
    cleanup();
  });

  it('HQ prunes what every unit that needs it acknowledged; the units prune what came from HQ', {
    timeout: 90_000,
  }, async () => {
    broker = await startAedes();
    hq = await startHq(dir, broker.url);
    sp = await startUnit(dir, 'sp-paulista', broker.url);
    rj = await startUnit(dir, 'rj-copacabana', broker.url);
    await waitFor('units connected', () => sp.sync.status().connected && rj.sync.status().connected);
    const planId = deterministicDocId('plan', 'bounded-log');
    await hq.hq.store.create('plan', planFields('Plano', 100), { id: planId });
    const members = [];
    for (let i = 0; i < 10; i++) members.push(await sp.unit.members.create({ name: `Ana ${i}` }, system));
    const settled = () =>
      headsOf(hq.hq.db, 'sp-paulista') === headsOf(sp.unit.db, 'sp-paulista') &&
      headsOf(hq.hq.db, 'chain') === headsOf(sp.unit.db, 'chain') &&
      headsOf(hq.hq.db, 'chain') === headsOf(rj.unit.db, 'chain') &&
      sp.sync.status().pendingChanges === 0 &&
      hq.relay.units().every((u) => u.downlinkPending === 0);
    let written = 0;
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 60; i++) {
        await sp.unit.store.update(members[i % 10]!.id, { region: `r${round}-${i}` });
        written++;
      }
      await rj.unit.members.create({ name: `Bruno ${round}` }, system);
      for (let i = 0; i < 30; i++) await hq.hq.store.update(planId, { priceCents: 1000 + round * 100 + i });
      written += 31;
      hq.relay.poke();
      sp.sync.poke();
      rj.sync.poke();
      await waitFor(`round ${round} synced`, settled, 30_000);
      hq.relay.pruneLog();
      // Only the newest row of each log may stay (a sequence number is never reused).
      expect(logSize(hq.hq.db)).toBeLessThanOrEqual(1);
    }
    expect(written).toBeGreaterThan(300);
    await waitFor('the units pruned too', () => logSize(sp.unit.db) <= 1 && logSize(rj.unit.db) <= 1, 10_000);
    expect(sp.unit.store.get<'plan'>(planId)?.priceCents).toBe(1329);
  });

  it("keeps HQ's chain-wide changes for a unit that has not acknowledged them yet", {
    timeout: 60_000,
  }, async () => {
    await rj.sync.stop();
    const planId = deterministicDocId('plan', 'bounded-log');
    for (let i = 0; i < 20; i++) await hq.hq.store.update(planId, { priceCents: 5000 + i });
    hq.relay.poke();
    await waitFor('sp has the edits', () => sp.unit.store.get<'plan'>(planId)?.priceCents === 5019, 20_000);
    await waitFor(
      'sp acknowledged',
      () => hq.relay.units().find((u) => u.unitId === 'sp-paulista')?.downlinkPending === 0,
    );
    hq.relay.pruneLog();
    // rj is away: its 20 changes stay in HQ's log until it comes back and acknowledges them.
    expect(logSize(hq.hq.db)).toBeGreaterThanOrEqual(20);
    rj.sync.start();
    await waitFor('rj has the edits', () => rj.unit.store.get<'plan'>(planId)?.priceCents === 5019, 30_000);
    await waitFor('rj acknowledged', () => hq.relay.units().every((u) => u.downlinkPending === 0), 20_000);
    hq.relay.pruneLog();
    expect(logSize(hq.hq.db)).toBeLessThanOrEqual(1);
  });
});
