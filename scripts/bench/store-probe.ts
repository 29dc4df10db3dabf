/**
 * In-process view of a dataset, run as a child while no unit is running (the store takes a lock):
 * how long opening the store takes (and how much of it is the integrity check), and member search
 * timed through the member service with no HTTP in between.
 *
 *   node --import tsx scripts/bench/store-probe.ts DATA_DIR COUNT PER_KIND [--unit ID]
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger } from '../../apps/edge/src/lib/logger.ts';
import { dbPathOf, openUnitStore } from '../../apps/edge/src/unit-store.ts';
import { type KindResult, measureAllKinds, mixedSearches, PAGE, type SearchKind } from './search.ts';
import { median } from './stats.ts';

export interface StoreProbeResult {
  readonly type: 'done';
  /** `openUnitStore` + close on the dataset (lock, database, integrity check, schema), median of 3. */
  readonly openMs: number;
  /** `PRAGMA quick_check(1)` alone (the store runs it on every open), median of 3. */
  readonly quickCheckMs: number;
  readonly search: Record<SearchKind, KindResult>;
}

async function main(): Promise<void> {
  // Started by the benchmark: stop if it goes away (the parent's exit handler cannot run on SIGKILL).
  let finished = false;
  process.once('disconnect', () => {
    if (!finished) process.exit(1);
  });
  const [dataDir, countText, perKindText, flag, unitArg] = process.argv.slice(2);
  const count = Number(countText);
  const perKind = Number(perKindText);
  if (dataDir === undefined || !(count > 0) || !(perKind > 0) || (flag !== undefined && flag !== '--unit')) {
    throw new Error('usage: store-probe.ts DATA_DIR COUNT PER_KIND [--unit ID]');
  }
  const unitId = unitArg ?? 'bench-unit';
  const dir = join(dataDir, unitId);

  const path = dbPathOf(dir);
  const timed = async (action: () => unknown): Promise<number> => {
    const started = performance.now();
    await action();
    return performance.now() - started;
  };
  const checks: number[] = [];
  const opens: number[] = [];
  for (let r = 0; r < 3; r++) {
    const db = new Database(path, { readonly: true });
    checks.push(await timed(() => db.pragma('quick_check(1)')));
    db.close();
    opens.push(
      await timed(() => openUnitStore({ dir, unitId, logger: silentLogger(), compactEveryMs: 0 }).close()),
    );
  }
  const openMs = median(opens);
  const quickCheckMs = median(checks);
  const unit = openUnitStore({ dir, unitId, logger: silentLogger(), compactEveryMs: 0 });
  try {
    const search = (params: { q?: string; cursor?: string }) =>
      unit.members.search({ limit: PAGE, ...params });
    await mixedSearches(search, count, 300);
    const result: StoreProbeResult = {
      type: 'done',
      openMs,
      quickCheckMs,
      search: await measureAllKinds(search, count, perKind),
    };
    finished = true;
    if (process.send) process.send(result, () => process.disconnect());
    else console.log(JSON.stringify(result));
  } finally {
    await unit.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
