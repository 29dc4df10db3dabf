import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock, StoreOpenError } from '@gymedge/store';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/lib/logger.ts';
import { openUnitStore } from '../src/unit-store.ts';

const LOCK_TS = fileURLToPath(new URL('../../../packages/store/src/lock.ts', import.meta.url));

/** A real second process that takes the lock and reports `locked` or `refused`, then holds it for `holdMs`. */
function locker(path: string, holdMs = 30_000): { child: ChildProcess; outcome: Promise<string> } {
  const script = `import(${JSON.stringify(LOCK_TS)}).then((m) => {
    try { m.acquireLock(${JSON.stringify(path)}, 'unit.db'); process.stdout.write('locked\\n'); }
    catch (e) { process.stdout.write('refused ' + e.message + '\\n'); process.exit(0); }
    setTimeout(() => {}, ${holdMs});
  });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const outcome = new Promise<string>((resolve) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', () => resolve(out.trim()));
  });
  return { child, outcome };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

describe('the unit lock (issue 13: an OS-level lock instead of a pid file)', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'gymedge-lock-'));
    dirs.push(d);
    return d;
  };
  const open = (d: string) =>
    openUnitStore({ dir: d, unitId: 'sp-paulista', logger: silentLogger(), compactEveryMs: 0 });

  it('refuses a second process while the first holds the lock, naming it, and takes over after kill -9', async () => {
    const d = dir();
    const holder = locker(join(d, 'unit.lock'));
    children.push(holder.child);
    expect(await holder.outcome).toBe('locked');
    expect(() => open(d)).toThrow(new RegExp(`in use by process ${holder.child.pid}`));
    holder.child.kill('SIGKILL');
    await exited(holder.child);
    const unit = open(d);
    expect(unit.store.stats().documents).toBe(0);
    await unit.close();
  });

  it('starts after a power loss even when the old pid now belongs to a live process', async () => {
    const d = dir();
    // What a pid-file lock left behind: the pid of the process that held it before the power went,
    // which after the reboot is some other live process (here pid 1, always alive).
    writeFileSync(join(d, 'unit.lock'), '1');
    writeFileSync(join(d, 'unit.lock.pid'), '1');
    const unit = open(d);
    await unit.close();
    // And the new lock file left by a process that died holds nothing either.
    const holder = locker(join(d, 'unit.lock'));
    children.push(holder.child);
    expect(await holder.outcome).toBe('locked');
    holder.child.kill('SIGKILL');
    await exited(holder.child);
    await open(d).close();
  });

  it('lets exactly one of many processes that start at the same moment hold the lock', async () => {
    const d = dir();
    const racers = Array.from({ length: 6 }, () => locker(join(d, 'unit.lock'), 3_000));
    children.push(...racers.map((r) => r.child));
    const outcomes = await Promise.all(racers.map((r) => r.outcome));
    expect(outcomes.filter((o) => o === 'locked')).toHaveLength(1);
    expect(outcomes.filter((o) => o.startsWith('refused'))).toHaveLength(5);
  }, 30_000);

  it('refuses a second holder in the same process and never deletes the lock file of a holder', () => {
    const d = dir();
    const path = join(d, 'unit.lock');
    const release = acquireLock(path, 'unit.db');
    expect(() => acquireLock(path, 'unit.db')).toThrow(StoreOpenError);
    expect(() => acquireLock(path, 'unit.db')).toThrow(new RegExp(`process ${process.pid}`));
    release();
    const again = acquireLock(path, 'unit.db');
    again();
  });
});
