import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runChild } from './children.ts';
import type { MakeMembersResult } from './make-members.ts';
import { readRss } from './proc.ts';
import { httpSearch, type KindResult, measureAllKinds, mixedSearches, type SearchKind } from './search.ts';
import type { StoreProbeResult } from './store-probe.ts';
import { type CodePath, freePort, login, startUnit, UNIT_ID } from './unit-process.ts';

/**
 * One dataset size: build (or grow) it in a child process, then start `gymedge edge` on it several
 * times and time each start, read the unit's memory, search through the API, and finally probe the
 * store in-process.
 */

export interface ColdStartRun {
  readonly code: CodePath;
  readonly spawnToHealthMs: number;
  readonly spawnToReadyMs: number;
  /** What the unit reports in its `ready` message (from the start of the edge command). */
  readonly startupMs: number;
  readonly rssAtReady: number;
  readonly rssAfterSearches: number;
  readonly peakRss: number;
}

export interface DatasetResult {
  readonly members: number;
  readonly build: MakeMembersResult;
  readonly dbBytes: number;
  /** The first start after the build (creates the owner account, warms the page cache): not counted. */
  readonly primeMs: number;
  readonly runs: ColdStartRun[];
  readonly searchesForRss: number;
  readonly httpSearch: Record<SearchKind, KindResult>;
  readonly probe: StoreProbeResult;
}

export interface DatasetConfig {
  readonly dataDir: string;
  readonly from: number;
  readonly members: number;
  readonly starts: number;
  readonly searchesForRss: number;
  readonly searchesPerKind: number;
  readonly log: (line: string) => void;
}

/** Size of the unit's database (file, WAL and shared memory) on disk. */
export function databaseBytes(dataDir: string): number {
  const base = join(dataDir, UNIT_ID, 'unit.db');
  return ['', '-wal', '-shm']
    .map((suffix) => base + suffix)
    .filter((path) => existsSync(path))
    .reduce((sum, path) => sum + statSync(path).size, 0);
}

export async function datasetBench(config: DatasetConfig): Promise<DatasetResult> {
  const { dataDir, members, log } = config;
  log(`building ${members.toLocaleString('en-US')} members (from ${config.from.toLocaleString('en-US')})`);
  const build = await runChild<MakeMembersResult>(
    './make-members.ts',
    [dataDir, String(members), '--from', String(config.from), '--unit', UNIT_ID],
    (line) => log(`  ${line}`),
  );
  const dbBytes = databaseBytes(dataDir);

  const prime = await startUnit({ dataDir, port: await freePort(), pollHealth: true });
  const primeMs = prime.spawnToHealthMs ?? Number.NaN;
  if (prime.ready.members !== members) {
    await prime.stop();
    throw new Error(`the unit reports ${prime.ready.members} members, expected ${members}`);
  }
  await prime.stop();
  log(`first start (not counted): ${Math.round(primeMs)} ms`);

  const runs: ColdStartRun[] = [];
  let searchResult: Record<SearchKind, KindResult> | undefined;
  for (let r = 0; r < config.starts; r++) {
    const unit = await startUnit({ dataDir, port: await freePort(), pollHealth: true });
    try {
      const token = await login(unit.url);
      const search = httpSearch(unit.url, token);
      await mixedSearches(search, members, config.searchesForRss);
      const after = readRss(unit.pid);
      runs.push({
        code: unit.code,
        spawnToHealthMs: unit.spawnToHealthMs ?? Number.NaN,
        spawnToReadyMs: unit.spawnToReadyMs,
        startupMs: unit.ready.startupMs,
        rssAtReady: unit.rssAtReady,
        rssAfterSearches: after.bytes,
        peakRss: after.peakBytes,
      });
      const run = runs.at(-1);
      log(
        `start ${r + 1}/${config.starts} (${unit.code}): /health after ${Math.round(run?.spawnToHealthMs ?? 0)} ms, RSS ${mbOf(run?.rssAtReady)} → ${mbOf(run?.rssAfterSearches)} after ${config.searchesForRss} searches`,
      );
      if (r === config.starts - 1) {
        log(`search through the API: ${config.searchesPerKind} per kind`);
        searchResult = await measureAllKinds(search, members, config.searchesPerKind);
      }
    } finally {
      await unit.stop();
    }
  }
  if (searchResult === undefined) throw new Error('no cold start ran (starts must be at least 1)');

  log('in-process store probe');
  const probe = await runChild<StoreProbeResult>(
    './store-probe.ts',
    [dataDir, String(members), String(config.searchesPerKind), '--unit', UNIT_ID],
    log,
  );
  return {
    members,
    build,
    dbBytes,
    primeMs,
    runs,
    searchesForRss: config.searchesForRss,
    httpSearch: searchResult,
    probe,
  };
}

function mbOf(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${Math.round(bytes / 1024 / 1024)} MB`;
}
