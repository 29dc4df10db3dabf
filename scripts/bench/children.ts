import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from './cleanup.ts';

/** Runs one of the TypeScript helpers under scripts/bench/ as a child process. */

const TSX = import.meta.resolve('tsx');

/**
 * Forks `scripts/bench/<file>` with tsx, forwards its stdout lines to `log`, and resolves with the
 * `{ type: 'done' }` message it sends over IPC. Rejects (with the tail of its stderr) if it exits
 * without one or with a non-zero code.
 */
export function runChild<T extends { type: 'done' }>(
  file: string,
  args: readonly string[],
  log: (line: string) => void,
): Promise<T> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const child = track(
    fork(path, [...args], { execArgv: ['--import', TSX], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }),
  );
  let stderr = '';
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') log(line);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-10_000);
  });
  return new Promise<T>((resolve, reject) => {
    let result: T | undefined;
    child.on('message', (message: { type?: string }) => {
      if (message.type === 'done') result = message as T;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0 && result !== undefined) resolve(result);
      else
        reject(
          new Error(
            `${file} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}${result === undefined ? ', no result' : ''}):\n${stderr}`,
          ),
        );
    });
  });
}
