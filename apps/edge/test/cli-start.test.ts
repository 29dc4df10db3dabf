import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callApi,
  hasStackTrace,
  killHard,
  login,
  runCli,
  startUnitProcess,
  stopUnitProcess,
  type UnitProcess,
} from './support/unit-process.ts';

const root = mkdtempSync(join(tmpdir(), 'gymedge-cli-start-'));
const running: UnitProcess[] = [];
afterAll(async () => {
  for (const unit of running) await killHard(unit.child);
  rmSync(root, { recursive: true, force: true });
});

const GARBAGE = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 31 + 7) % 256));

/** A data dir whose `<unit>/unit.db` holds the given bytes (or a copy of the given file). */
function dataDirWith(name: string, unitId: string, content: Buffer | { copyOf: string }): string {
  const dir = join(root, name);
  mkdirSync(join(dir, unitId), { recursive: true });
  const db = join(dir, unitId, 'unit.db');
  if (Buffer.isBuffer(content)) writeFileSync(db, content);
  else copyFileSync(content.copyOf, db);
  return dir;
}

/** `gymedge edge` on port 0; a start that fails exits on its own, so this resolves. */
const startEdge = (data: string, unitId = 'sp-paulista', extra: string[] = []) =>
  runCli(['edge', '--unit', unitId, '--port', '0', '--data', data, ...extra]);

/** A failure an operator can act on: exit code 2, one line, no stack trace. */
function expectClearFailure(
  result: { code: number | null; signal?: NodeJS.Signals | null; stderr: string },
  pattern: RegExp,
  code = 2,
): void {
  expect({ code: result.code, signal: result.signal ?? null }).toEqual({ code, signal: null });
  expect(hasStackTrace(result.stderr)).toBe(false);
  expect(result.stderr).toMatch(/^gymedge: /);
  expect(result.stderr).toMatch(pattern);
}

/** A small real sp-paulista database (from an import) and a verified backup of it. */
let goodBackup: string;
let rjDb: string;
beforeAll(async () => {
  const csv = join(root, 'customers.csv');
  writeFileSync(csv, 'customer_id,age\nA1,30\nA2,41\n');
  const source = join(root, 'source');
  const [sp, rj] = await Promise.all([
    runCli(['import', '--unit', 'sp-paulista', '--data', source, '--customers', csv, '--create-unit']),
    runCli(['import', '--unit', 'rj-copacabana', '--data', source, '--customers', csv, '--create-unit']),
  ]);
  expect([sp.code, rj.code]).toEqual([0, 0]);
  goodBackup = join(root, 'sp-paulista-backup.db');
  const backup = await runCli(['backup', '--unit', 'sp-paulista', '--data', source, '--out', goodBackup]);
  expect(backup.code).toBe(0);
  rjDb = join(source, 'rj-copacabana', 'unit.db');
});

describe('gymedge edge refuses to start, clearly', () => {
  it('on a unit.db that is garbage: exit 2, says to restore, and leaves the file as it was', async () => {
    const data = dataDirWith('garbage', 'sp-paulista', GARBAGE);
    const result = await startEdge(data);
    expectClearFailure(result, /gymedge restore/);
    expect(result.stderr).toContain(join(data, 'sp-paulista', 'unit.db'));
    expect(readFileSync(join(data, 'sp-paulista', 'unit.db')).equals(GARBAGE)).toBe(true);
  });

  // BUG (reported): restoreUnit() opens the current unit.db to checkpoint it before moving it aside,
  // and that open throws on a damaged file, so the very advice of the start-up message fails with the
  // same "not a GymEdge database" error. Remove `.fails` once apps/edge/src/store/backup.ts is fixed.
  it('following that advice works: restore --yes over the damaged unit.db, then the unit starts', async () => {
    const data = dataDirWith('garbage-restored', 'sp-paulista', GARBAGE);
    const restored = await runCli([
      'restore',
      '--unit',
      'sp-paulista',
      '--data',
      data,
      '--from',
      goodBackup,
      '--yes',
    ]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/The previous database is kept as .*before-restore-/);
    const unit = await startUnitProcess(data);
    running.push(unit);
    expect(unit.ready.members).toBe(2);
    expect((await callApi(unit.url, undefined, 'GET', '/health')).status).toBe(200);
    expect(await stopUnitProcess(unit.child)).toBe(0);
  });

  it('on the database of another unit: exit 2 naming both units', async () => {
    const data = dataDirWith('other-unit', 'sp-paulista', { copyOf: rjDb });
    const result = await startEdge(data);
    expectClearFailure(result, /belongs to unit rj-copacabana, not sp-paulista/);
  });

  it('a second process on the same data dir and unit: "in use by process", and the first keeps serving', async () => {
    const data = join(root, 'shared');
    const first = await startUnitProcess(data);
    running.push(first);
    const second = await startEdge(data);
    expectClearFailure(second, new RegExp(`in use by process ${first.child.pid}`));
    const health = await callApi<{ status: string }>(first.url, undefined, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    await login(first.url);
    expect(await stopUnitProcess(first.child)).toBe(0);
    // Once the first has stopped, the unit starts again.
    const again = await startUnitProcess(data);
    running.push(again);
    // An answered request proves the unit got past start-up (see the SIGTERM race reported with these tests).
    expect((await callApi(again.url, undefined, 'GET', '/health')).status).toBe(200);
    expect(await stopUnitProcess(again.child)).toBe(0);
  });
});

describe('gymedge usage', () => {
  it('--help lists every command', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['demo', 'edge', 'import', 'backup', 'restore', 'rebuild']) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('import --help explains the CSV columns of both files', async () => {
    const result = await runCli(['import', '--help']);
    expect(result.code).toBe(0);
    const help = result.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('customers.csv (customer_id, age, gender, signup_date, region, churn)');
    expect(help).toContain('transactions.csv (customer_id, transaction_date, amount, service)');
    expect(help).toMatch(/--errors <file>/);
    expect(help).toMatch(/Exit code 3/);
  });

  it('an invalid --unit is a usage error (exit 2) that shows the expected form', async () => {
    const data = join(root, 'usage');
    const results = await Promise.all(['SP Paulista', '../etc', '-x-'].map((unit) => startEdge(data, unit)));
    for (const result of results) {
      expectClearFailure(result, /--unit must be a lower-case slug like sp-paulista/);
    }
  });

  it('an invalid --port is a usage error (exit 2) that shows the range', async () => {
    const data = join(root, 'usage');
    const results = await Promise.all(
      ['abc', '70000', '-1', '80.5'].map((port) =>
        runCli(['edge', '--unit', 'sp-paulista', '--port', port, '--data', data]),
      ),
    );
    for (const result of results) {
      expectClearFailure(result, /--port must be a port number from 0 to 65535/);
    }
  });

  it('a missing --unit says which option is required', async () => {
    const result = await runCli(['backup', '--out', join(root, 'x.db')]);
    expect(result.code).not.toBe(0);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(result.stderr).toMatch(/required option '--unit <id>' not specified/);
  });
});

describe('npm start -- --reset', () => {
  it('without --yes and without a terminal, refuses (exit 2) and deletes nothing', async () => {
    const data = join(root, 'reset-refused');
    mkdirSync(join(data, 'sp-paulista'), { recursive: true });
    writeFileSync(join(data, 'sp-paulista', 'unit.db'), 'data');
    const result = await runCli(['demo', '--data', data, '--reset']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--reset deletes the demo data in .*sp-paulista.*Run again with --reset --yes/,
    );
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(readFileSync(join(data, 'sp-paulista', 'unit.db'), 'utf8')).toBe('data');
  });

  it('never deletes the copies that restore kept', async () => {
    const { clearUnitFolder } = await import('../src/cli/reset.ts');
    const dir = join(root, 'reset-kept', 'sp-paulista');
    mkdirSync(dir, { recursive: true });
    for (const name of [
      'unit.db',
      'unit.db-wal',
      'token.key',
      'unit.db.before-restore-2026-11-25T13-00-00-000Z',
    ]) {
      writeFileSync(join(dir, name), name);
    }
    writeFileSync(join(dir, 'unit.db.before-restore-2026-11-25T13-00-00-000Z-wal'), 'wal');
    expect(clearUnitFolder(dir).sort()).toEqual([
      'unit.db.before-restore-2026-11-25T13-00-00-000Z',
      'unit.db.before-restore-2026-11-25T13-00-00-000Z-wal',
    ]);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).sort()).toEqual([
      'unit.db.before-restore-2026-11-25T13-00-00-000Z',
      'unit.db.before-restore-2026-11-25T13-00-00-000Z-wal',
    ]);
  });
});
