import type { ApiWritesResult, WriteRun } from './api-writes.ts';
import type { AutomergePeerResult } from './automerge-peer.ts';
import type { CodeLoadResult } from './code-load.ts';
import { AIMS, type BenchConfig } from './config.ts';
import type { DatasetResult } from './dataset.ts';
import { SEARCH_KINDS } from './search.ts';
import type { SqlitePeerResult } from './sqlite-peer.ts';
import { gib, int, mb, median, ms, ratio } from './stats.ts';

/** Turns one run's results into docs/benchmarks.md. Every figure comes from the results passed in. */

export interface Environment {
  readonly date: string;
  readonly nproc: number;
  readonly node: string;
  readonly cpu: string;
  readonly memoryBytes: number;
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
  readonly tempDir: string;
  readonly tempFs: string;
  readonly commit: string;
  readonly seconds: number;
  /** Edge core files modified while the benchmark ran (other people's edits): figures may mix code. */
  readonly changedDuringRun: readonly string[];
  /** Whether this run rebuilt the edge bundle first (`--build`). */
  readonly builtBundle: boolean;
}

export interface BenchResults {
  readonly env: Environment;
  readonly config: BenchConfig;
  readonly writes: ApiWritesResult;
  readonly sqliteSingle: SqlitePeerResult;
  readonly sqliteBatched: SqlitePeerResult;
  readonly automerge: AutomergePeerResult;
  readonly codeLoad: CodeLoadResult;
  readonly datasets: readonly DatasetResult[];
}

const verdict = (met: boolean) => (met ? '**met**' : '**not met**');
const load = (values: readonly number[]) => values.map((v) => v.toFixed(2)).join(' / ');
const range = (values: readonly number[], f: (v: number) => string) =>
  `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;

function writeVerified(run: WriteRun): boolean {
  return run.failed === 0 && run.totalAfter - run.totalBefore === run.ok;
}

function aimsSection(r: BenchResults): string[] {
  const rows: string[] = [];
  for (const run of r.writes.runs) {
    const met =
      run.perSecond >= AIMS.writesPerSecond && run.latency.p99 < AIMS.writeP99Ms && writeVerified(run);
    rows.push(
      `| ≥${int(AIMS.writesPerSecond)} acknowledged durable member creates/s with p99 < ${AIMS.writeP99Ms} ms (API, ${run.connections} connections) | ${int(run.perSecond)}/s, p99 ${ms(run.latency.p99)} | ${verdict(met)} |`,
    );
  }
  const cold = r.datasets.find((d) => d.members === AIMS.coldStartMembers);
  if (cold !== undefined) {
    const start = median(cold.runs.map((run) => run.spawnToHealthMs));
    const rss = Math.max(...cold.runs.flatMap((run) => [run.rssAtReady, run.rssAfterSearches]));
    rows.push(
      `| Cold start with ${int(cold.members)} members < ${AIMS.coldStartMs / 1000} s (spawn → /health 200, median of ${cold.runs.length}) | ${ms(start)} | ${verdict(start < AIMS.coldStartMs)} |`,
      `| RSS with ${int(cold.members)} members < ${Math.round(AIMS.rssBytes / 2 ** 20)} MB (highest of: right after ready, after ${int(cold.searchesForRss)} searches) | ${mb(rss)} | ${verdict(rss < AIMS.rssBytes)} |`,
    );
  }
  const searched = r.datasets.find((d) => d.members === AIMS.searchMembers);
  if (searched !== undefined) {
    for (const { kind, label } of SEARCH_KINDS) {
      const p99 = searched.httpSearch[kind].latency.p99;
      rows.push(
        `| Search p99 < ${AIMS.searchP99Ms} ms over ${int(searched.members)} members, API: ${label} | ${ms(p99)} | ${verdict(p99 < AIMS.searchP99Ms)} |`,
      );
    }
  }
  return ['## Against the aims', '', '| Aim | Measured | Verdict |', '|---|---|---|', ...rows, ''];
}

function writesSection(r: BenchResults): string[] {
  const w = r.writes;
  const lines = [
    '## 1. Member create through the API',
    '',
    `\`POST /api/v1/members\` with a bearer token, a distinct valid member per request (formatted phone and CPF the API normalises), autocannon in the benchmark process against a \`gymedge edge\` child on a fresh data folder. Latencies are of 2xx responses, from autocannon's per-response timings (autocannon's own histogram rounds to whole ms). Each run follows a warm-up at the same connection count (${w.warmups.map((x) => `${int(x.requests)} requests at ${x.connections}`).join(', ')}).`,
    '',
    '| Connections | Requests | Time | 2xx | Non-2xx / errors | 2xx/s | p2.5 | p50 | p97.5 | p99 | max | Writes per commit | CPU: unit / bench process | Members added = 2xx |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of w.runs) {
    const l = run.latency;
    lines.push(
      `| ${run.connections} | ${int(run.requests)} | ${run.seconds.toFixed(1)} s | ${int(run.ok)} | ${int(run.failed)} | ${int(run.perSecond)} | ${ms(l.p2_5)} | ${ms(l.p50)} | ${ms(l.p97_5)} | ${ms(l.p99)} | ${ms(l.max)} | ${run.writesPerCommit.toFixed(1)} | ${run.unitCores.toFixed(2)} / ${run.benchCores.toFixed(2)} cores | ${run.totalAfter - run.totalBefore === run.ok ? 'yes' : `**no** (${int(run.totalAfter - run.totalBefore)})`} |`,
    );
  }
  const cpuPerWrite = w.runs.map(
    (run) => `${ms((run.unitCores * 1000) / run.perSecond)} at ${run.connections} connections`,
  );
  lines.push(
    '',
    `Check after the runs: ${int(w.present)} members listed by \`GET /api/v1/members?limit=1\` for ${int(w.acknowledged)} acknowledged creates (warm-up included); every acknowledged id was found when listing all members: ${w.missing === 0 ? 'yes' : `**no, ${int(w.missing)} missing**`}.`,
    `The unit spent ${cpuPerWrite.join(', ')} of CPU per member create. Status codes: ${w.runs.map((run) => `${run.connections} conn. ${JSON.stringify(run.statusCodes)}`).join('; ')}.`,
    '',
  );
  return lines;
}

function peersSection(r: BenchResults): string[] {
  const api = r.writes.runs;
  const head = api.map((run) => `API at ${run.connections} conn. ÷ this`).join(' | ');
  const sep = api.map(() => '---').join('|');
  const row = (name: string, rate: number, perOp: string, note: string) =>
    `| ${name} | ${int(rate)}/s | ${perOp} | ${api.map((run) => ratio(run.perSecond / rate)).join(' | ')} | ${note} |`;
  const s1 = r.sqliteSingle;
  const sb = r.sqliteBatched;
  const am = r.automerge;
  const build = r.datasets[0]?.build;
  return [
    '## 2. Peers, same run',
    '',
    `| Write path | Rate | Per write | ${head} | Notes |`,
    `|---|---|---|${sep}|---|`,
    row(
      'raw better-sqlite3, 1 insert per transaction (WAL, synchronous=FULL)',
      s1.perSecond,
      `${int(1e6 / s1.perSecond)} µs`,
      `commit p50 ${ms(s1.commit.p50)}, p99 ${ms(s1.commit.p99)}; same JSON payload`,
    ),
    row(
      `raw better-sqlite3, ${sb.batch} inserts per transaction`,
      sb.perSecond,
      `${int(1e6 / sb.perSecond)} µs`,
      `commit p50 ${ms(sb.commit.p50)}, p99 ${ms(sb.commit.p99)} per ${sb.batch}`,
    ),
    row(
      'raw Automerge `from` + `save` + `free`, member shape',
      am.perSecond,
      `${int(am.microsPerDoc)} µs`,
      `${int(am.bytesPerDoc)} bytes saved per doc; ${int(am.docs)} docs; CPU only, no disk`,
    ),
    ...(build === undefined
      ? []
      : [
          row(
            'the store in-process: `members.createDocument`, 500 concurrent (group commit)',
            build.perSecond,
            `${int(1e6 / build.perSecond)} µs`,
            `dataset build of ${int(build.created)} members; no HTTP; build peak RSS ${mb(build.peakRssBytes)}`,
          ),
        ]),
    '',
  ];
}

const CODE_NAMES = { bundle: 'bundle', sources: 'sources (tsx)' } as const;

/** Which code the counted starts of a dataset ran (the bin picks per start). */
function codeOf(d: DatasetResult): string {
  const seen = [...new Set(d.runs.map((run) => run.code))];
  const names = seen.map((code) => CODE_NAMES[code]);
  return seen.length === 1
    ? (names[0] ?? '')
    : `**mixed**: ${d.runs.map((run) => CODE_NAMES[run.code]).join(', ')}`;
}

function coldSection(r: BenchResults): string[] {
  const lines = [
    '## 3. Cold start and memory',
    '',
    `\`gymedge edge\` started ${r.config.starts} times on each dataset (after one uncounted first start), as \`node apps/edge/bin/gymedge.js\`. Median (min–max).`,
    '',
    `| Members | Code | Database on disk | Spawn → /health 200 | Spawn → \`ready\` IPC | \`startupMs\` in \`ready\` | RSS at ready | RSS after ${int(r.config.searchesForRss)} searches | Peak RSS | Store open + close in-process / quick_check alone | Build (child process) |`,
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const d of r.datasets) {
    lines.push(
      `| ${int(d.members)} | ${codeOf(d)} | ${mb(d.dbBytes)} (${int(d.dbBytes / d.members)} B/member) | ${range(
        d.runs.map((x) => x.spawnToHealthMs),
        ms,
      )} | ${range(
        d.runs.map((x) => x.spawnToReadyMs),
        ms,
      )} | ${range(
        d.runs.map((x) => x.startupMs),
        ms,
      )} | ${range(
        d.runs.map((x) => x.rssAtReady),
        mb,
      )} | ${range(
        d.runs.map((x) => x.rssAfterSearches),
        mb,
      )} | ${mb(Math.max(...d.runs.map((x) => x.peakRss)))} | ${ms(d.probe.openMs)} / ${ms(d.probe.quickCheckMs)} | ${int(d.build.created)} members in ${d.build.seconds.toFixed(0)} s (${int(d.build.perSecond)}/s) |`,
    );
  }
  const c = r.codeLoad;
  lines.push(
    '',
    `Loading the code, timed apart (medians of 3; \`--version\` loads every module of the CLI and exits, no store): Node alone ${ms(c.nodeMs)} (\`node -e 0\`); the bundle ${c.bundleMs === undefined ? 'n/a (stale or missing: run `npm run build`)' : ms(c.bundleMs)} (\`gymedge --version\`); the sources through tsx ${ms(c.sourcesMs)} (\`GYMEDGE_FROM_SOURCE=1 gymedge --version\`). In-process, \`openUnitStore\` + \`close\` and \`PRAGMA quick_check(1)\` alone (which the store runs only after an unclean stop, reading the whole database) are medians of 3.`,
    '',
  );
  return lines;
}

function searchSection(r: BenchResults): string[] {
  const lines = ['## 4. Member search', ''];
  for (const d of r.datasets) {
    lines.push(
      `### ${int(d.members)} members`,
      '',
      `${int(r.config.searchesPerKind)} requests per kind, one at a time, page size 50, after the ${int(d.searchesForRss)} mixed searches above. API: \`GET /api/v1/members\` with fetch, timed around request and JSON parse. In-process: \`unit.members.search\` in a child process with the store open (no HTTP).`,
      '',
      `| Query | Example | Matches (median) | API p50 | API p99 | In-process p50 | In-process p99 | p99 < ${AIMS.searchP99Ms} ms (API) |`,
      '|---|---|---|---|---|---|---|---|',
    );
    for (const { kind, label } of SEARCH_KINDS) {
      const api = d.httpSearch[kind];
      const local = d.probe.search[kind];
      lines.push(
        `| ${label} | \`${api.example}\` | ${int(api.matches)} | ${ms(api.latency.p50)} | ${ms(api.latency.p99)} | ${ms(local.latency.p50)} | ${ms(local.latency.p99)} | ${api.latency.p99 < AIMS.searchP99Ms ? 'met' : 'not met'} |`,
      );
    }
    lines.push('');
  }
  return lines;
}

function whereTimeGoes(r: BenchResults): string[] {
  const lines = ['## Where the time goes (from this run)', ''];
  const am = r.automerge.microsPerDoc / 1000;
  for (const run of r.writes.runs) {
    const cpu = (run.unitCores * 1000) / run.perSecond;
    lines.push(
      `- Member create, ${run.connections} connections: the unit used ${run.unitCores.toFixed(2)} cores for ${int(run.perSecond)} creates/s, ${ms(cpu)} of CPU each. Raw Automerge \`from\` + \`save\` alone is ${ms(am)} (${Math.round((100 * am) / cpu)}% of that); one group commit of ${run.writesPerCommit.toFixed(1)} writes waits for an fsync (raw SQLite commit p50 ${ms(r.sqliteSingle.commit.p50)}, p99 ${ms(r.sqliteSingle.commit.p99)}), and better-sqlite3 waits on the event loop's thread. A unit below 1 core is waiting (fsync, or for a CPU the machine's other work holds), not idle by choice.`,
    );
  }
  const c = r.codeLoad;
  for (const d of r.datasets) {
    const start = median(d.runs.map((x) => x.spawnToHealthMs));
    const own = median(d.runs.map((x) => x.startupMs));
    lines.push(
      `- Cold start, ${int(d.members)} members: ${ms(start)} from spawn to /health (${codeOf(d)}). Measured apart, so they do not add up exactly on a noisy machine: Node plus loading the code takes ${ms(c.bundleMs ?? c.nodeMs)} from the bundle and ${ms(c.sourcesMs)} from the sources through tsx; the unit reports ${ms(own)} for its own start-up; after an unclean stop the integrity check would add about ${ms(d.probe.quickCheckMs)} (it reads all ${mb(d.dbBytes)}).`,
    );
    const api = d.httpSearch;
    const local = d.probe.search;
    lines.push(
      `- Search, ${int(d.members)} members: HTTP, auth, response validation and JSON add ${SEARCH_KINDS.map(({ kind }) => `${ms(api[kind].latency.p50 - local[kind].latency.p50)}`).join(' / ')} to the in-process p50 (${SEARCH_KINDS.map(({ kind }) => kind).join(' / ')}).`,
    );
  }
  lines.push('');
  return lines;
}

function howToRead(r: BenchResults): string[] {
  return [
    '## How to read this, and why',
    '',
    '- **One run, side by side.** Everything above comes from one `npm run bench` on one machine, so ratios are fairer than figures from different days. The machine is shared and noisy: the load averages at the top say how busy it was (on 2 cores, a load above 2 means other work was queued for the CPU). Re-run before trusting a small difference.',
    '- **2 cores for everything.** autocannon runs inside the benchmark process and competes with the unit for the same 2 cores (the CPU column of section 1 shows how much each used). A real front desk sends a handful of requests per second; these runs saturate the unit on purpose to find its ceiling.',
    '- **Acknowledged means durable and present.** The unit answers 201 only after the SQLite transaction holding the member commits with `synchronous=FULL` (WAL fsynced). Each write run sends a fixed number of requests (sized from the previous run to last about the target time), so no request is cut off mid-flight and the member count must grow by exactly the number of 2xx answers; every acknowledged id is then looked up in the full list.',
    `- **Latency vs connections.** With N connections each waiting for its answer, the mean latency is about N ÷ throughput (Little's law): past the point where the unit is busy, more connections only lengthen the queue, so a p99 aim can only hold at a concurrency the throughput can absorb. Here: ${r.writes.runs.map((run) => `${run.connections} connections at ${int(run.perSecond)}/s → ${ms((run.connections * 1000) / run.perSecond)} expected, ${ms(run.latency.mean)} measured`).join('; ')}.`,
    "- **Peers.** Raw SQLite with one transaction per insert is the price of an fsync per write; with 50 per transaction it is what group commit can reach at best. Raw Automerge `from` + `save` is the CPU floor of creating one member document. The store in-process is the whole write path (validation, sealing of personal fields, Automerge, SQLite, projections, audit) without HTTP. Ratios below 1× say how much of the peer's rate the API keeps.",
    "- **Cold start** is timed from `fork()` to the first `GET /health` that answers 200 (polled every 10 ms on a port chosen beforehand), so it includes Node start-up and loading the code: the bin runs the esbuild bundle (`apps/edge/dist/gymedge.mjs`, made by `npm run build` or `npm install`) while it is newer than every source file, and the TypeScript sources through tsx otherwise; the Code column says which ran. `startupMs` is what the unit measures itself from the start of the `edge` command. The OS page cache is warm (the dataset was just written and started once): a start right after a reboot reads the database from disk and is slower. RSS is the unit's VmRSS from /proc; peak is VmHWM. MB here means 2^20 bytes.",
    '- **Datasets** are built through the member service in a child process (group commits of ~500), with a valid CPF, phone, e-mail and birth date per member, names drawn from common Brazilian first and last names.',
    '- **Search** latencies are measured one request at a time, so they are service times, not queueing. `ana` and `maria silva` match many members, so they also pay for counting the matches (`total`) on every page.',
    '',
  ];
}

export function renderReport(r: BenchResults): string {
  const e = r.env;
  const flags = [...(r.config.mode === 'quick' ? ['--quick'] : []), ...(e.builtBundle ? ['--build'] : [])];
  return [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}\` on ${e.date} (${r.config.mode} mode, ${Math.round(e.seconds)} s). Overwritten on every run; do not edit by hand.`,
    '',
    ...(e.changedDuringRun.length === 0
      ? []
      : [
          `**Warning: the edge code changed while this ran** (${e.changedDuringRun.map((f) => `\`${f}\``).join(', ')}), so parts of it may come from different code; run it again.`,
          '',
        ]),
    `Machine: \`nproc\` ${e.nproc}, Node ${e.node}, ${e.cpu}, ${gib(e.memoryBytes)} RAM; load average (1/5/15 min) ${load(e.loadStart)} at the start and ${load(e.loadEnd)} at the end. Temp data in ${e.tempDir} on ${e.tempFs}. Code at ${e.commit}${e.builtBundle ? '; the edge bundle was rebuilt from it at the start (`--build`)' : ''}.`,
    '',
    ...aimsSection(r),
    ...writesSection(r),
    ...peersSection(r),
    ...coldSection(r),
    ...searchSection(r),
    ...whereTimeGoes(r),
    ...howToRead(r),
  ].join('\n');
}
