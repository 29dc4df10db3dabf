/**
 * `npm run bench [-- [--quick] [--build] [--json FILE]]`: GymEdge's benchmark, in one run, side by side:
 * member create through the API, raw SQLite and Automerge peers, cold start and memory at 20,000
 * (and 100,000) members, and member search. Writes docs/benchmarks.md and prints it. `--quick` is the
 * ~2 minute version; `--build` first rebuilds the edge bundle (apps/edge/dist, what `npm install`
 * makes), so units start the way an appliance does even if the sources changed since; `--json` also
 * writes the raw results.
 * See scripts/bench/ (one file per concern).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { apiWrites } from './bench/api-writes.ts';
import { run as assistantBench } from './bench/assistant.ts';
import { automergePeer } from './bench/automerge-peer.ts';
import { cleanupNow, installCleanup, tempDir } from './bench/cleanup.ts';
import { measureCodeLoad } from './bench/code-load.ts';
import { configFor } from './bench/config.ts';
import { type DatasetResult, datasetBench } from './bench/dataset.ts';
import { run as mlBench } from './bench/ml.ts';
import { run as opsBench } from './bench/ops.ts';
import { type BenchResults, renderReport } from './bench/report.ts';
import { type BenchArea, writeSection } from './bench/sections.ts';
import { sqlitePeer } from './bench/sqlite-peer.ts';
import { run as storeBench } from './bench/store.ts';
import { run as syncBench } from './bench/sync.ts';
import { binCodePath, codeChangedSince } from './bench/unit-process.ts';
import { run as visionBench } from './bench/vision.ts';

const REPORT = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const started = performance.now();

function log(line: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  console.error(`[bench ${seconds}s] ${line}`);
}

function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The capability areas besides the Foundation's store/API figures. Each writes its own section of
 * docs/benchmarks.md; add yours here (one line).
 */
const AREAS: readonly BenchArea[] = [
  { name: 'assistant', run: assistantBench },
  { name: 'ml', run: mlBench },
  { name: 'ops', run: opsBench },
  { name: 'store', run: storeBench },
  { name: 'sync', run: syncBench },
  { name: 'vision', run: visionBench },
];

const USAGE = 'usage: npm run bench [-- [--quick] [--build] [--json FILE] [--only AREA[,AREA]]]';

interface Args {
  quick: boolean;
  build: boolean;
  json: string | undefined;
  only: string[] | undefined;
}

function parseArgs(argv: string[]): Args {
  let quick = false;
  let build = false;
  let json: string | undefined;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--build') build = true;
    else if (arg === '--json' && argv[i + 1] !== undefined) json = argv[++i];
    else if (arg === '--only' && argv[i + 1] !== undefined) only = (argv[++i] ?? '').split(',');
    else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  const known = ['foundation', ...AREAS.map((area) => area.name)];
  for (const name of only ?? []) {
    if (!known.includes(name)) throw new Error(`unknown area ${name}; the areas are ${known.join(', ')}`);
  }
  return { quick, build, json, only };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  installCleanup();
  for (const area of AREAS) {
    if (args.only !== undefined && !args.only.includes(area.name)) continue;
    log(`area ${area.name}`);
    const section = await area.run({ quick: args.quick, log: (line) => log(`  [${area.name}] ${line}`) });
    writeSection(REPORT, area.name, section);
    console.log(section);
  }
  if (args.only !== undefined && !args.only.includes('foundation')) return;
  const config = configFor(args.quick);
  const loadStart = loadavg();
  log(`${config.mode} run; load average ${loadStart.map((v) => v.toFixed(2)).join(' ')}`);
  if (args.build) {
    log('building the edge bundle first (npm run build)');
    execFileSync(process.execPath, [fileURLToPath(new URL('./build.mjs', import.meta.url))], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  // From here on, any change to the edge code is someone else's edit (reported as a warning).
  const startedAt = Date.now();
  if (binCodePath() === 'sources') {
    log('note: the edge bundle is missing or older than the sources, so units run from source through tsx');
    log('      (slower cold start); pass --build (or run `npm run build`) to measure what an appliance runs');
  }

  const peerDir = tempDir('peers');
  log(`raw SQLite peer: 1 insert per transaction, ${config.sqliteSeconds} s`);
  const sqliteSingle = sqlitePeer(peerDir, config.sqliteSeconds, 1);
  log(`raw SQLite peer: ${config.sqliteBatch} inserts per transaction, ${config.sqliteSeconds} s`);
  const sqliteBatched = sqlitePeer(peerDir, config.sqliteSeconds, config.sqliteBatch);
  log(`raw Automerge peer: ${config.automergeDocs} documents`);
  const automerge = automergePeer(config.automergeDocs);

  log('member create through the API');
  const writes = await apiWrites({
    dataDir: tempDir('writes'),
    connections: config.writeConnections,
    seconds: config.writeSeconds,
    warmupRequests: config.warmupRequests,
    warmupSeconds: config.warmupSeconds,
    log: (line) => log(`  ${line}`),
  });

  log('code load time (node -e 0, gymedge --version)');
  const codeLoad = await measureCodeLoad(3);

  const dataDir = tempDir('dataset');
  const datasets: DatasetResult[] = [];
  let from = 0;
  for (const members of config.datasets) {
    log(`dataset of ${members.toLocaleString('en-US')} members`);
    datasets.push(
      await datasetBench({
        dataDir,
        from,
        members,
        starts: config.starts,
        searchesForRss: config.searchesForRss,
        searchesPerKind: config.searchesPerKind,
        log: (line) => log(`  ${line}`),
      }),
    );
    from = members;
  }

  const dirty = command('git', ['status', '--porcelain']) !== '';
  const results: BenchResults = {
    env: {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      nproc: Number(command('nproc', [])),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown CPU',
      memoryBytes: totalmem(),
      loadStart,
      loadEnd: loadavg(),
      tempDir: peerDir.replace(/\/[^/]+$/, ''),
      tempFs: command('df', ['--output=fstype', peerDir]).split('\n').at(-1) ?? 'unknown',
      commit: `${command('git', ['rev-parse', '--short', 'HEAD'])}${dirty ? ' with uncommitted changes' : ''}`,
      seconds: (performance.now() - started) / 1000,
      changedDuringRun: codeChangedSince(startedAt),
      builtBundle: args.build,
    },
    config,
    writes,
    sqliteSingle,
    sqliteBatched,
    automerge,
    codeLoad,
    datasets,
  };
  if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
  if (results.env.changedDuringRun.length > 0) {
    log(`warning: edge code changed during the run: ${results.env.changedDuringRun.join(', ')}`);
  }
  const report = renderReport(results)
    .replace(/^(#{2,}) /gm, '#$1 ')
    .replace(/^# Benchmarks\s*/, '## Foundation: store, API, start-up, search\n\n');
  writeSection(REPORT, 'foundation', report);
  console.log(report);
  log(`wrote ${REPORT}${args.json === undefined ? '' : ` and ${args.json}`}`);
}

main().then(
  () => {
    cleanupNow();
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    cleanupNow();
    process.exit(1);
  },
);
