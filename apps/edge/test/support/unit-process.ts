import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { UnitMessage } from '../../src/cli/edge.ts';

export const BIN = fileURLToPath(new URL('../../bin/gymedge.js', import.meta.url));

export interface UnitProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly ready: Extract<UnitMessage, { type: 'ready' }>;
  readonly output: () => string;
}

/** Starts `gymedge edge` as a real child process on a free port and waits until it serves. */
export function startUnitProcess(
  dataDir: string,
  unitId = 'sp-paulista',
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<UnitProcess> {
  const child = fork(BIN, ['edge', '--unit', unitId, '--port', '0', '--data', dataDir, ...extra], {
    env: { ...process.env, GYMEDGE_ADMIN_PASSWORD: 'test-owner-password', GYMEDGE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`unit did not start in 60 s:\n${output}`)), 60_000);
    child.on('message', (message: UnitMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({ child, url: message.url, ready: message, output: () => output });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`unit exited before it was ready (${signal ?? code}):\n${output}`));
    });
  });
}

/** Runs `gymedge <args>` to completion and returns its exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = fork(BIN, args, {
    env: { ...process.env, GYMEDGE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

export async function login(url: string, password = 'test-owner-password'): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Stops a unit the way an operator does (SIGTERM) and waits for it to exit; resolves to its exit code. */
export function stopUnitProcess(child: ChildProcess, timeoutMs = 15_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`unit ${child.pid} did not stop within ${timeoutMs} ms of SIGTERM`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly contentType: string;
  readonly headers: Headers;
  readonly body: T;
}

/** One JSON request to a unit's API with a bearer token; the body is parsed when it is JSON. */
export async function callApi<T = unknown>(
  url: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const text = await response.text();
  const parsed = contentType.includes('json') && text !== '' ? (JSON.parse(text) as T) : (text as T);
  return { status: response.status, contentType, headers: response.headers, body: parsed };
}

/** True when a process's output shows a JavaScript stack trace (what an operator should never see). */
export function hasStackTrace(text: string): boolean {
  return text.includes('    at ');
}
