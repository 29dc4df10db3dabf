import { Inbox } from '@gymedge/store';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/lib/logger.ts';
import { tempUnit } from '../src/store/test-support.ts';
import type { UnitStore } from '../src/unit-store.ts';

// Issue 13: remote bursts and compaction ran on the thread that answers the kiosk in one go (a
// compaction pass held it for 670 ms). They now run on the store's background queue in short slices.
// Each test measures the longest stretch the event loop was held (gaps between 1 ms timer ticks),
// relative to how long the work took, so a loaded machine does not make it flaky.

const plan = {
  name: 'Mensal',
  priceCents: 12990,
  currency: 'BRL' as const,
  billingPeriod: 'monthly' as const,
  access: 'home' as const,
  active: true,
};

/** Runs `work` while a 1 ms timer ticks; returns how long it took and the longest gap between ticks. */
async function held(work: () => Promise<unknown>): Promise<{ took: number; longest: number }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  longest = Math.max(longest, performance.now() - last);
  return { took: performance.now() - started, longest };
}

describe('the event loop stays free while the store works', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  function open(unitId: string): UnitStore {
    const t = tempUnit(unitId);
    const s = t.open();
    cleanups.push(t.cleanup, () => s.close());
    return s;
  }

  /** `docs` plans with `perDoc` changes each, made on another unit: their change bytes in order. */
  async function remoteChanges(docs: number, perDoc: number) {
    const source = open('hq-source');
    const ids = (
      await Promise.all(Array.from({ length: docs }, () => source.store.create('plan', plan)))
    ).map((d) => d.id);
    for (let round = 1; round < perDoc; round++)
      await Promise.all(ids.map((id) => source.store.update(id, { priceCents: 13000 + round })));
    return (
      source.db.prepare('SELECT doc_id, bytes FROM change_log ORDER BY seq').all() as Array<{
        doc_id: string;
        bytes: Buffer;
      }>
    ).map((row) => ({ id: row.doc_id, bytes: new Uint8Array(row.bytes) }));
  }

  it('applies a burst of 1,200 remote changes in slices, answering in between', async () => {
    const changes = await remoteChanges(60, 20);
    const unit = open('sp-paulista');
    const { took, longest } = await held(async () => {
      const inbox = new Inbox({ store: unit.store, db: unit.db, logger: silentLogger() });
      const outcomes = await Promise.all(changes.map((c) => inbox.receive(c.id, c.bytes, 'hq')));
      expect(outcomes.every((o) => o.applied === 1)).toBe(true);
    });
    // Before: the burst held the loop from start to end (longest ≈ took).
    expect(longest).toBeLessThan(took / 5);
    expect(unit.store.stats().documents).toBe(60);
    expect(unit.db.prepare('SELECT min(price_cents) AS p FROM plan_index').get()).toEqual({ p: 13019 });
  }, 120_000);

  it('compacts in the background one document at a time, answering in between', async () => {
    const changes = await remoteChanges(60, 20);
    const unit = open('sp-paulista');
    const inbox = new Inbox({ store: unit.store, db: unit.db, logger: silentLogger() });
    await Promise.all(changes.map((c) => inbox.receive(c.id, c.bytes, 'hq')));
    const before = unit.store.idsOfType('plan').map((id) => unit.store.get(id));
    const { took, longest } = await held(() => unit.store.compactInBackground(500));
    expect(longest).toBeLessThan(took / 5);
    expect(unit.db.prepare('SELECT max(chunks) AS n FROM documents').get()).toEqual({ n: 1 });
    expect(unit.store.idsOfType('plan').map((id) => unit.store.get(id))).toEqual(before);
  }, 120_000);
});
