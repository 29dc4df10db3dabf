// A child process for durability-fsync.test.ts: opens a unit store, makes N writes one after another
// (each its own commit), prints `done <n>` and exits. `--sync-off` turns fsync off, for the control run.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../src/lib/logger.ts';
import { openUnitStore } from '../../src/unit-store.ts';

const [dir, count, flag] = process.argv.slice(2);
const unit = openUnitStore({
  dir: dir ?? '',
  unitId: 'sp-paulista',
  logger: silentLogger(),
  compactEveryMs: 0,
});
if (flag === '--sync-off') unit.db.pragma('synchronous = OFF');
const n = Number(count ?? '20');
// A marker in the trace: syncs after it belong to the writes below, not to opening the store.
const marker = openSync(join(dir ?? '', 'writes-start'), 'w');
fsyncSync(marker);
closeSync(marker);
for (let i = 0; i < n; i++) {
  await unit.store.create('plan', {
    name: `Plano ${'abcdefghij'[i % 10]}`,
    priceCents: 1000 + i,
    currency: 'BRL',
    billingPeriod: 'monthly',
    access: 'home',
    active: true,
  });
}
process.stdout.write(`done ${n}\n`);
process.exit(0);
