/**
 * Builds a benchmark dataset: opens a unit's store in this process and creates members through the
 * member service (sealed personal fields, projections, audit), ~500 concurrent writes at a time so
 * they share group commits. Run it as a child so the benchmark's own memory stays clean:
 *
 *   node --import tsx scripts/bench/make-members.ts DATA_DIR COUNT [--from N] [--unit ID]
 *
 * Members FROM..COUNT-1 are created (so a dataset can be grown from 20,000 to 100,000). Progress goes
 * to stdout; with an IPC channel the result is also sent to the parent as a `done` message.
 */
import { join } from 'node:path';
import { newDocId } from '@gymedge/crdt-schema';
import { silentLogger } from '../../apps/edge/src/lib/logger.ts';
import { openUnitStore } from '../../apps/edge/src/unit-store.ts';
import { memberAt } from './members.ts';
import { readRss } from './proc.ts';

export interface MakeMembersResult {
  readonly type: 'done';
  readonly created: number;
  readonly total: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly peakRssBytes: number;
}

const BATCH = 500;
const ACTOR = { id: 'system:bench', role: 'system' } as const;

function parseArgs(argv: string[]): { dataDir: string; count: number; from: number; unitId: string } {
  const [dataDir, countText, ...rest] = argv;
  const count = Number(countText);
  if (dataDir === undefined || !Number.isInteger(count) || count < 1) {
    throw new Error('usage: make-members.ts DATA_DIR COUNT [--from N] [--unit ID]');
  }
  let from = 0;
  let unitId = 'bench-unit';
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1];
    if (rest[i] === '--from' && value !== undefined) from = Number(value);
    else if (rest[i] === '--unit' && value !== undefined) unitId = value;
    else throw new Error(`unknown option ${rest[i]}`);
  }
  if (!Number.isInteger(from) || from < 0 || from >= count) throw new Error(`--from must be 0..${count - 1}`);
  return { dataDir, count, from, unitId };
}

async function main(): Promise<void> {
  // Started by the benchmark: stop if it goes away (the parent's exit handler cannot run on SIGKILL).
  let finished = false;
  process.once('disconnect', () => {
    if (!finished) process.exit(1);
  });
  const { dataDir, count, from, unitId } = parseArgs(process.argv.slice(2));
  const unit = openUnitStore({
    dir: join(dataDir, unitId),
    unitId,
    logger: silentLogger(),
    compactEveryMs: 0,
  });
  const started = performance.now();
  let lastReport = started;
  try {
    for (let start = from; start < count; start += BATCH) {
      const end = Math.min(count, start + BATCH);
      const writes: Promise<unknown>[] = [];
      for (let i = start; i < end; i++) {
        const m = memberAt(i);
        writes.push(
          unit.members.createDocument(
            newDocId('member'),
            { status: m.status, signupDate: m.signupDate, region: m.region, consent: m.consent },
            {
              name: m.name,
              email: m.email,
              phone: `+55${m.phoneDigits}`,
              document: m.cpf,
              birthDate: m.birthDate,
              gender: m.gender,
            },
            ACTOR,
            { createdAt: `${m.signupDate}T12:00:00.000Z` },
          ),
        );
      }
      await Promise.all(writes);
      const now = performance.now();
      if (now - lastReport > 5000 || end === count) {
        lastReport = now;
        const rate = (end - from) / ((now - started) / 1000);
        console.log(
          `members ${end.toLocaleString('en-US')}/${count.toLocaleString('en-US')} (${Math.round(rate)}/s)`,
        );
      }
    }
  } finally {
    await unit.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const result: MakeMembersResult = {
    type: 'done',
    created: count - from,
    total: count,
    seconds,
    perSecond: (count - from) / seconds,
    peakRssBytes: readRss(process.pid).peakBytes,
  };
  finished = true;
  if (process.send) process.send(result, () => process.disconnect());
  else console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
