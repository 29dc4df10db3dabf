import type { AnyDoc } from '@gymedge/crdt-schema';
import type { Projection } from '@gymedge/store';
import type { Database, Statement } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/lib/logger.ts';
import { tempUnit } from '../src/store/test-support.ts';
import { openUnitStore } from '../src/unit-store.ts';

// Issue 13: a projection's tables could not change. `setup()` prepared its statements before the
// stale-version check, and a rebuild only deleted rows, so adding a column crashed the start-up.

/** A read model of plans; version 2 adds a column (and its statement uses it). */
class PlanPrices implements Projection {
  readonly name = 'test-plan-prices';
  readonly types = ['plan'] as const;
  #upsert!: Statement<[string, number, number]> | Statement<[string, number]>;
  #db!: Database;
  constructor(readonly version: 1 | 2) {}
  setup(db: Database): void {
    this.#db = db;
    if (this.version === 1) {
      db.exec(
        'CREATE TABLE IF NOT EXISTS test_plan_prices (doc_id TEXT PRIMARY KEY, price INTEGER NOT NULL)',
      );
      this.#upsert = db.prepare('INSERT OR REPLACE INTO test_plan_prices (doc_id, price) VALUES (?, ?)');
    } else {
      db.exec(
        'CREATE TABLE IF NOT EXISTS test_plan_prices (doc_id TEXT PRIMARY KEY, price INTEGER NOT NULL, price_reais INTEGER NOT NULL)',
      );
      this.#upsert = db.prepare(
        'INSERT OR REPLACE INTO test_plan_prices (doc_id, price, price_reais) VALUES (?, ?, ?)',
      );
    }
  }
  apply(doc: AnyDoc): void {
    if (doc.type !== 'plan') return;
    if (this.version === 1) (this.#upsert as Statement<[string, number]>).run(doc.id, doc.priceCents);
    else
      (this.#upsert as Statement<[string, number, number]>).run(
        doc.id,
        doc.priceCents,
        Math.round(doc.priceCents / 100),
      );
  }
  reset(): void {
    this.#db.exec('DELETE FROM test_plan_prices');
  }
}

describe('a projection changes its tables with a version bump', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('drops its tables before setup, so the new column exists, and rebuilds it from the documents', async () => {
    const v1 = tempUnit('sp-paulista', { projections: [new PlanPrices(1)] });
    cleanups.push(v1.cleanup);
    const first = v1.open();
    const plan = await first.store.create('plan', {
      name: 'Mensal',
      priceCents: 12990,
      currency: 'BRL',
      billingPeriod: 'monthly',
      access: 'home',
      active: true,
    });
    expect(first.db.prepare('SELECT * FROM test_plan_prices').all()).toEqual([
      { doc_id: plan.id, price: 12990 },
    ]);
    await first.close();

    // The same folder, opened by code whose projection is at version 2.
    const second = openUnitStore({
      dir: v1.dir,
      unitId: 'sp-paulista',
      logger: silentLogger(),
      compactEveryMs: 0,
      projections: [new PlanPrices(2)],
    });
    cleanups.push(() => second.close());
    expect(second.db.prepare('SELECT * FROM test_plan_prices').all()).toEqual([
      { doc_id: plan.id, price: 12990, price_reais: 130 },
    ]);
    await second.store.update(plan.id, { priceCents: 15000 });
    expect(second.db.prepare('SELECT price, price_reais FROM test_plan_prices').get()).toEqual({
      price: 15000,
      price_reais: 150,
    });
    expect(second.store.staleProjections()).toEqual([]);
  });
});
