import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UnitMessage } from '../../apps/edge/src/cli/edge.ts';
import { track } from './cleanup.ts';
import { readRss } from './proc.ts';

/** Starting, timing and stopping real `gymedge edge` processes. */

export const BIN = fileURLToPath(new URL('../../apps/edge/bin/gymedge.js', import.meta.url));
export const UNIT_ID = 'bench-unit';
export const ADMIN_PASSWORD = 'bench-owner-password-1';

export type ReadyMessage = Extract<UnitMessage, { type: 'ready' }>;

/** Which code the bin runs: the esbuild bundle, or the TypeScript sources through tsx. */
export type CodePath = 'bundle' | 'sources';

const EDGE = fileURLToPath(new URL('../../apps/edge/', import.meta.url));
const SCHEMA_SRC = fileURLToPath(new URL('../../packages/crdt-schema/src/', import.meta.url));

function newestTs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Files of the edge core (sources, bin, bundle) modified after `sinceMs` (epoch ms), relative paths. */
export function codeChangedSince(sinceMs: number): string[] {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const changed: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (statSync(path).mtimeMs > sinceMs) changed.push(path.slice(root.length));
    }
  };
  for (const dir of [join(EDGE, 'src'), join(EDGE, 'bin'), join(EDGE, 'dist'), SCHEMA_SRC]) walk(dir);
  return changed.sort();
}

/**
 * The code path `bin/gymedge.js` will take right now, by the bin's own rule: the bundle
 * (apps/edge/dist/gymedge.mjs, made by `npm run build`) while it is newer than every source file,
 * else the sources through tsx. Edits to apps/** during a run can switch it, so it is read per start.
 */
export function binCodePath(env: NodeJS.ProcessEnv = process.env): CodePath {
  const bundle = join(EDGE, 'dist', 'gymedge.mjs');
  if (env.GYMEDGE_FROM_SOURCE === '1' || !existsSync(bundle)) return 'sources';
  const sources = Math.max(newestTs(join(EDGE, 'src')), existsSync(SCHEMA_SRC) ? newestTs(SCHEMA_SRC) : 0);
  return statSync(bundle).mtimeMs >= sources ? 'bundle' : 'sources';
}

export interface StartedUnit {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly ready: ReadyMessage;
  /** The code the bin ran (read just before spawn). */
  readonly code: CodePath;
  /** From spawn until the `ready` IPC message arrived. */
  readonly spawnToReadyMs: number;
  /** From spawn until `GET /health` first answered 200 (only when started with `pollHealth`). */
  readonly spawnToHealthMs: number | undefined;
  /** RSS read as soon as `ready` arrived. */
  readonly rssAtReady: number;
  readonly output: () => string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly dataDir: string;
  /** 0 picks a free port (the URL then comes over IPC). */
  readonly port?: number;
  /** Poll `/health` from the moment of spawn (needs a fixed port). */
  readonly pollHealth?: boolean;
  readonly timeoutMs?: number;
  /** Called with the pid right after spawn, before the unit is ready. */
  readonly onSpawn?: (pid: number) => void;
}

/** A port that was free a moment ago (for cold starts, where /health is polled from spawn on). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startUnit(options: StartOptions): Promise<StartedUnit> {
  const port = options.port ?? 0;
  if (options.pollHealth && port === 0) throw new Error('pollHealth needs a fixed port');
  const code = binCodePath();
  const spawnedAt = performance.now();
  const child = track(
    fork(BIN, ['edge', '--unit', UNIT_ID, '--port', String(port), '--data', options.dataDir], {
      env: { ...process.env, GYMEDGE_ADMIN_PASSWORD: ADMIN_PASSWORD, GYMEDGE_LOG_LEVEL: 'warn' },
      // Started as in production: plain `node bin/gymedge.js`, not with this process's tsx flags.
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  );
  if (child.pid === undefined) throw new Error(`could not start ${BIN}`);
  const pid = child.pid;
  options.onSpawn?.(pid);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exit;
    clearTimeout(killer);
  };

  const timeoutMs = options.timeoutMs ?? 180_000;
  const ready = new Promise<{ message: ReadyMessage; at: number; rss: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the unit did not start in ${timeoutMs / 1000} s:\n${output}`)),
      timeoutMs,
    );
    child.on('message', (message: UnitMessage) => {
      if (message.type !== 'ready') return;
      const at = performance.now();
      clearTimeout(timer);
      let rss = Number.NaN;
      try {
        rss = readRss(pid).bytes;
      } catch {
        // the process vanished between the message and the read; reported as n/a
      }
      resolve({ message, at, rss });
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(
        new Error(
          `the unit exited before it was ready (${child.signalCode ?? `exit code ${child.exitCode}`}):\n${output}`,
        ),
      );
    });
  });

  let healthAt: number | undefined;
  const health = options.pollHealth
    ? (async () => {
        const url = `http://127.0.0.1:${port}/health`;
        while (!exited) {
          try {
            const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
            await response.arrayBuffer();
            if (response.status === 200) {
              healthAt = performance.now();
              return;
            }
          } catch {
            // not listening yet
          }
          await sleep(10);
        }
      })()
    : Promise.resolve();

  try {
    const [got] = await Promise.all([ready, health]);
    return {
      child,
      pid,
      url: got.message.url,
      ready: got.message,
      code,
      spawnToReadyMs: got.at - spawnedAt,
      spawnToHealthMs: healthAt === undefined ? undefined : healthAt - spawnedAt,
      rssAtReady: got.rss,
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function login(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: ADMIN_PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

export async function getJson<T>(url: string, token?: string): Promise<T> {
  const response = await fetch(
    url,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Reads a Prometheus gauge or counter (no labels) from `/metrics`. */
export async function metric(url: string, name: string): Promise<number> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  const match = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  if (match?.[1] === undefined) throw new Error(`no metric ${name} at ${url}/metrics`);
  return Number(match[1]);
}
