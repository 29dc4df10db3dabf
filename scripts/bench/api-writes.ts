import autocannon, { type AutocannonResult } from 'autocannon';
import { apiCreateBody } from './members.ts';
import { cpuSeconds } from './proc.ts';
import { type LatencySummary, summarize } from './stats.ts';
import { getJson, login, metric, type StartedUnit, startUnit } from './unit-process.ts';

/**
 * Member create through the real API: a `gymedge edge` child on a fresh data folder, autocannon in
 * this process posting a distinct member per request, then a check that every acknowledged member is
 * there. Runs use a fixed number of requests (sized from the previous run's rate to last about the
 * wanted time), so no request is cut off in flight and "members present = 2xx responses" is exact.
 */

export interface WriteRun {
  readonly connections: number;
  readonly requests: number;
  readonly seconds: number;
  readonly ok: number;
  /** Non-2xx responses plus connection errors and timeouts. */
  readonly failed: number;
  readonly statusCodes: Record<string, number>;
  readonly perSecond: number;
  /** 2xx/s over the second half of the run (past JIT warm-up): used to size the next run. */
  readonly steadyPerSecond: number;
  /** Latency of 2xx responses, from autocannon's per-response timings (ms, fractional). */
  readonly latency: LatencySummary;
  /** autocannon's own histogram (whole ms), as a cross-check. */
  readonly autocannonLatency: AutocannonResult['latency'];
  /** Cores used during the run: the unit process, and this process (autocannon + body generation). */
  readonly unitCores: number;
  readonly benchCores: number;
  /** Writes per SQLite transaction during the run (the unit's group commit). */
  readonly writesPerCommit: number;
  /** Members counted by `GET /api/v1/members?limit=1` before and after the run. */
  readonly totalBefore: number;
  readonly totalAfter: number;
}

export interface ApiWritesResult {
  /** One warm-up per connection count, just before its measured run. */
  readonly warmups: WriteRun[];
  readonly runs: WriteRun[];
  readonly acknowledged: number;
  readonly present: number;
  /** Acknowledged member ids not found when listing every member afterwards (must be 0). */
  readonly missing: number;
}

export interface ApiWritesConfig {
  readonly dataDir: string;
  readonly connections: readonly number[];
  readonly seconds: number;
  /** Requests of the first warm-up; later warm-ups last about `warmupSeconds`. */
  readonly warmupRequests: number;
  readonly warmupSeconds: number;
  readonly log: (line: string) => void;
}

const ID = /"id":"(member:[0-9A-Z]+)"/;

export async function apiWrites(config: ApiWritesConfig): Promise<ApiWritesResult> {
  const unit = await startUnit({ dataDir: config.dataDir });
  try {
    const token = await login(unit.url);
    const acked: string[] = [];
    let counter = 0;
    const nextBody = () => apiCreateBody(counter++);
    const run = (connections: number, requests: number) =>
      oneRun(unit, token, connections, requests, nextBody, acked);

    const sized = (connections: number, rate: number, seconds: number) =>
      Math.max(connections * 20, Math.round(rate * seconds));
    const warmups: WriteRun[] = [];
    const runs: WriteRun[] = [];
    let rate: number | undefined;
    for (const connections of config.connections) {
      const warmRequests =
        rate === undefined ? config.warmupRequests : sized(connections, rate, config.warmupSeconds);
      config.log(`${connections} connections: warm-up of ${warmRequests} requests`);
      const warm = await run(connections, warmRequests);
      warmups.push(warm);
      const requests = sized(connections, warm.steadyPerSecond, config.seconds);
      config.log(
        `${connections} connections: ${requests} requests (~${config.seconds} s at ${Math.round(warm.steadyPerSecond)}/s)`,
      );
      const result = await run(connections, requests);
      config.log(
        `  ${Math.round(result.perSecond)} 2xx/s, p99 ${result.latency.p99.toFixed(1)} ms, ${result.failed} failed`,
      );
      runs.push(result);
      rate = result.steadyPerSecond;
    }
    const present = await totalMembers(unit.url, token);
    const listed = await listAllIds(unit.url, token);
    const missing = acked.filter((id) => !listed.has(id)).length;
    return { warmups, runs, acknowledged: acked.length, present, missing };
  } finally {
    await unit.stop();
  }
}

async function oneRun(
  unit: StartedUnit,
  token: string,
  connections: number,
  requests: number,
  nextBody: () => string,
  acked: string[],
): Promise<WriteRun> {
  const totalBefore = await totalMembers(unit.url, token);
  const commits0 = await metric(unit.url, 'gymedge_store_commits');
  const writes0 = await metric(unit.url, 'gymedge_store_committed_writes');
  const latencies: number[] = [];
  const okAt: number[] = [];
  const unitCpu0 = cpuSeconds(unit.pid);
  const benchCpu0 = process.cpuUsage();
  const started = performance.now();
  let lastResponse = started;
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: unit.url,
        connections,
        amount: requests,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/members',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: nextBody() }),
            onResponse: (status, body) => {
              const id = status === 201 ? ID.exec(body)?.[1] : undefined;
              if (id !== undefined) acked.push(id);
            },
          },
        ],
      },
      (error, value) => (error ? reject(error) : resolve(value)),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      lastResponse = performance.now();
      if (status >= 200 && status < 300) {
        latencies.push(ms);
        okAt.push(lastResponse);
      }
    });
  });
  const wall = (lastResponse - started) / 1000;
  const benchCpu = process.cpuUsage(benchCpu0);
  const unitCores = (cpuSeconds(unit.pid) - unitCpu0) / wall;
  const commits = (await metric(unit.url, 'gymedge_store_commits')) - commits0;
  const writes = (await metric(unit.url, 'gymedge_store_committed_writes')) - writes0;
  const totalAfter = await totalMembers(unit.url, token);
  const ok = result['2xx'];
  return {
    connections,
    requests,
    seconds: wall,
    ok,
    failed: result.non2xx + result.errors,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
    perSecond: ok / wall,
    steadyPerSecond: steadyRate(okAt, ok / wall),
    latency: summarize(latencies),
    autocannonLatency: result.latency,
    unitCores,
    benchCores: (benchCpu.user + benchCpu.system) / 1e6 / wall,
    writesPerCommit: commits > 0 ? writes / commits : Number.NaN,
    totalBefore,
    totalAfter,
  };
}

/** Rate over the second half of the responses, or `fallback` when there are too few. */
function steadyRate(at: readonly number[], fallback: number): number {
  const half = Math.floor(at.length / 2);
  const first = at[half];
  const last = at.at(-1);
  if (at.length < 20 || first === undefined || last === undefined || last <= first) return fallback;
  return (at.length - 1 - half) / ((last - first) / 1000);
}

async function totalMembers(url: string, token: string): Promise<number> {
  return (await getJson<{ total: number }>(`${url}/api/v1/members?limit=1`, token)).total;
}

async function listAllIds(url: string, token: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await getJson<{ items: { id: string }[]; nextCursor?: string }>(
      `${url}/api/v1/members?limit=200${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      token,
    );
    for (const item of page.items) ids.add(item.id);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return ids;
}
