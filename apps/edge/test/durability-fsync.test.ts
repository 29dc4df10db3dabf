import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// durability.test.ts kills the unit with -9, which never loses the page cache: it proves "acknowledged
// after COMMIT", and would pass with synchronous=OFF. This test proves the fsync: it counts the
// fsync/fdatasync calls on the WAL under strace, one acknowledged write (one commit) at a time.
// What it does not prove: that the disk honours the flush (a drive that lies about its write cache).

const WRITER = fileURLToPath(new URL('./support/commit-writer.ts', import.meta.url));
const WRITES = 25;

const strace = spawnSync('strace', ['-f', '-o', '/dev/null', 'true']);
const straceWorks = strace.status === 0;
if (!straceWorks)
  process.stderr.write(
    `durability-fsync.test.ts skipped: strace is ${strace.error ? 'not installed (apt-get install strace)' : `not allowed here (${String(strace.stderr).trim()})`}\n`,
  );

/** Runs the writer under strace; returns how many fsync/fdatasync calls hit the WAL. */
function walSyncs(dir: string, extra: string[] = []): { syncs: number; stdout: string } {
  const trace = join(dir, 'strace.txt');
  const run = spawnSync(
    'strace',
    [
      '-f',
      '-y',
      '-e',
      'trace=fsync,fdatasync',
      '-o',
      trace,
      process.execPath,
      '--import',
      'tsx',
      WRITER,
      join(dir, 'unit'),
      String(WRITES),
      ...extra,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (run.status !== 0) throw new Error(`writer failed: ${run.stderr}`);
  const all = readFileSync(trace, 'utf8').split('\n');
  const lines = all.slice(all.findIndex((l) => l.includes('writes-start>')) + 1);
  return {
    syncs: lines.filter((l) => /f(data)?sync\(\d+<[^>]*unit\.db-wal>\)\s+=\s+0/.test(l)).length,
    stdout: run.stdout,
  };
}

describe.skipIf(!straceWorks)('every acknowledged write is fsynced (strace)', () => {
  const root = mkdtempSync(join(tmpdir(), 'gymedge-fsync-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('syncs the WAL at least once per acknowledged commit', () => {
    const dir = mkdtempSync(join(root, 'full-'));
    const { syncs, stdout } = walSyncs(dir);
    expect(stdout).toContain(`done ${WRITES}`);
    expect(syncs).toBeGreaterThanOrEqual(WRITES);
  }, 150_000);

  it('would notice a store that does not fsync (control: synchronous=OFF)', () => {
    const dir = mkdtempSync(join(root, 'off-'));
    const { syncs, stdout } = walSyncs(dir, ['--sync-off']);
    expect(stdout).toContain(`done ${WRITES}`);
    expect(syncs).toBeLessThan(WRITES / 5);
  }, 150_000);
});
