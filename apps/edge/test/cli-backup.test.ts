import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

const root = mkdtempSync(join(tmpdir(), 'gymedge-cli-backup-'));
const data = join(root, 'data');
const unitDir = join(data, 'sp-paulista');
const backupFile = join(root, 'backups', 'sp-paulista.db');
const running: UnitProcess[] = [];

afterAll(async () => {
  for (const unit of running) await killHard(unit.child);
  rmSync(root, { recursive: true, force: true });
});

interface Member {
  id: string;
  name?: string;
}

/** Names may hold letters only: `7` → `h`. */
const lettered = (n: number) => String(n).replace(/\d/g, (d) => 'abcdefghij'[Number(d)] ?? '');

async function createMember(unit: UnitProcess, token: string, name: string): Promise<Member> {
  const response = await callApi<Member>(unit.url, token, 'POST', '/api/v1/members', { name });
  expect(response.status).toBe(201);
  return response.body;
}

/** Every member the running unit lists, following the cursor. */
async function listMembers(unit: UnitProcess, token: string): Promise<Map<string, string | undefined>> {
  const all = new Map<string, string | undefined>();
  let cursor: string | undefined;
  do {
    const query = `?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await callApi<{ items: Member[]; nextCursor?: string }>(
      unit.url,
      token,
      'GET',
      `/api/v1/members${query}`,
    );
    expect(page.status).toBe(200);
    for (const member of page.body.items) all.set(member.id, member.name);
    cursor = page.body.nextCursor;
  } while (cursor !== undefined);
  return all;
}

/** The members a database file holds (as the unit would list them). */
function membersIn(path: string): Map<string, string | null> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare<[], { doc_id: string; name: string | null }>(
        "SELECT doc_id, name FROM member_index WHERE status != 'erased'",
      )
      .all();
    return new Map(rows.map((r) => [r.doc_id, r.name]));
  } finally {
    db.close();
  }
}

/** What must not change when a restore is refused: the database bytes and the files of the unit folder. */
function fingerprint(): { files: string[]; sha256: string } {
  return {
    files: readdirSync(unitDir).sort(),
    sha256: createHash('sha256')
      .update(readFileSync(join(unitDir, 'unit.db')))
      .digest('hex'),
  };
}

const restore = (from: string, ...extra: string[]) =>
  runCli(['restore', '--unit', 'sp-paulista', '--data', data, '--from', from, ...extra]);

/** A refusal an operator can read: non-zero exit, one line on stderr, no stack trace. */
function expectPlainRefusal(
  result: { code: number | null; signal?: NodeJS.Signals | null; stderr: string },
  pattern: RegExp,
): void {
  expect(result.signal ?? null, 'the process was killed by a signal').toBeNull();
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(hasStackTrace(result.stderr)).toBe(false);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^gymedge: /);
  expect(lines[0]).toMatch(pattern);
}

describe('gymedge backup and restore', () => {
  let unit: UnitProcess;
  let token: string;
  const firstRun: Member[] = [];
  let inBackup: Map<string, string | null>;
  let liveBeforeRestore: Map<string, string | undefined>;
  let endOfFirstRun: Map<string, string | undefined>;

  beforeAll(async () => {
    unit = await startUnitProcess(data);
    running.push(unit);
    token = await login(unit.url);
    for (const name of ['Ana Cópia', 'Bruno Cópia', 'Carla Cópia', 'Daniel Cópia', 'Elisa Cópia']) {
      firstRun.push(await createMember(unit, token, name));
    }
  });

  it('backs up a running unit while it is being written to, and verifies the copy', async () => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) await createMember(unit, token, `Escrita Durante ${lettered(written++)}`);
    })();
    const result = await runCli(['backup', '--unit', 'sp-paulista', '--data', data, '--out', backupFile]);
    writing = false;
    await writer;
    expect(result.code).toBe(0);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(result.stdout).toMatch(
      /^Backed up sp-paulista: [\d,]+ documents \([\d,]+ members\), .*verified, to /,
    );
    expect(result.stdout).toContain(backupFile);
    expect(existsSync(backupFile)).toBe(true);
    expect(written).toBeGreaterThan(0);

    inBackup = membersIn(backupFile);
    for (const member of firstRun) expect(inBackup.get(member.id)).toBe(member.name);
    // A consistent snapshot: every member in it is a whole member, and it holds no more than was written.
    expect(inBackup.size).toBeGreaterThanOrEqual(firstRun.length);
    expect(inBackup.size).toBeLessThanOrEqual(firstRun.length + written);
    expect(result.stdout).toContain(`(${inBackup.size} members)`);
  });

  it('refuses to overwrite an existing backup file', async () => {
    const before = readFileSync(backupFile);
    const result = await runCli(['backup', '--unit', 'sp-paulista', '--data', data, '--out', backupFile]);
    expectPlainRefusal(result, /already exists/);
    expect(readFileSync(backupFile).equals(before)).toBe(true);
  });

  it('refuses to restore while the unit is running (the lock), changing nothing', async () => {
    const before = await listMembers(unit, token);
    endOfFirstRun = before;
    const result = await restore(backupFile, '--yes');
    expect(result.code).toBe(2);
    expectPlainRefusal(result, new RegExp(`in use by process ${unit.child.pid}`));
    expect(readdirSync(unitDir).filter((f) => f.includes('before-restore'))).toEqual([]);
    expect(await listMembers(unit, token)).toEqual(before);
    expect(await stopUnitProcess(unit.child)).toBe(0);
  });

  it('after a second run that adds and erases members, the live database differs from the backup', async () => {
    const second = await startUnitProcess(data);
    running.push(second);
    const token2 = await login(second.url);
    for (const name of ['Fábio Depois', 'Gisele Depois', 'Hugo Depois'])
      await createMember(second, token2, name);
    const erased = firstRun[0] as Member;
    expect((await callApi(second.url, token2, 'DELETE', `/api/v1/members/${erased.id}`)).status).toBe(204);
    liveBeforeRestore = await listMembers(second, token2);
    expect(await stopUnitProcess(second.child)).toBe(0);
    expect(liveBeforeRestore.has(erased.id)).toBe(false);
    expect(liveBeforeRestore.size).toBe(endOfFirstRun.size + 3 - 1);
    expect(new Set(liveBeforeRestore.keys())).not.toEqual(new Set(inBackup.keys()));
  });

  it('restore without --yes only verifies the backup and says what would happen', async () => {
    const before = fingerprint();
    const result = await restore(backupFile);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${backupFile} is a good backup of sp-paulista`);
    expect(result.stdout).toMatch(/Run again with --yes/);
    expect(fingerprint()).toEqual(before);
  });

  describe('restore refuses a bad backup and leaves the unit as it was', () => {
    const bad: Record<string, () => Promise<string> | string> = {
      'a backup of another unit (rj-copacabana)': async () => {
        const csv = join(root, 'rj-customers.csv');
        writeFileSync(csv, 'customer_id,age\nRJ1,30\n');
        const imported = await runCli([
          'import',
          '--unit',
          'rj-copacabana',
          '--data',
          data,
          '--customers',
          csv,
          '--create-unit',
        ]);
        expect(imported.code).toBe(0);
        const out = join(root, 'backups', 'rj-copacabana.db');
        const backedUp = await runCli(['backup', '--unit', 'rj-copacabana', '--data', data, '--out', out]);
        expect(backedUp.code).toBe(0);
        return out;
      },
      'a file of random bytes': () => {
        const out = join(root, 'random.db');
        writeFileSync(out, Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919 + 13) % 251)));
        return out;
      },
      'a truncated copy of a real backup': () => {
        const whole = readFileSync(backupFile);
        const out = join(root, 'truncated.db');
        writeFileSync(out, whole.subarray(0, Math.floor(whole.length / 2)));
        return out;
      },
      'a file that does not exist': () => join(root, 'no-such-backup.db'),
    };
    const expected: Record<string, RegExp> = {
      'a backup of another unit (rj-copacabana)': /rj-copacabana, not sp-paulista/,
      'a file of random bytes': /random\.db .*(not a|damaged)/,
      'a truncated copy of a real backup': /truncated\.db .*(not a|damaged)/,
      'a file that does not exist': /no-such-backup\.db/,
    };

    for (const [what, make] of Object.entries(bad)) {
      it(what, async () => {
        const from = await make();
        const before = fingerprint();
        const result = await restore(from, '--yes');
        expectPlainRefusal(result, expected[what] as RegExp);
        expect(fingerprint()).toEqual(before);
        expect(readdirSync(unitDir).filter((f) => f.includes('before-restore'))).toEqual([]);
      });
    }
  });

  it('restore --yes replaces the database, keeps the old one beside it, and the unit serves the backup', async () => {
    const result = await restore(backupFile, '--yes');
    expect(result.code).toBe(0);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(result.stdout).toMatch(
      /^Restored sp-paulista from .*: [\d,]+ documents\. The previous database is kept as /,
    );
    const kept = readdirSync(unitDir).filter((f) => f.startsWith('unit.db.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(result.stdout).toContain(kept[0]);
    // The previous database is whole: it still has the second run's members.
    expect(new Map([...membersIn(join(unitDir, kept[0] as string))])).toEqual(
      new Map([...liveBeforeRestore].map(([id, name]) => [id, name ?? null])),
    );

    const restored = await startUnitProcess(data);
    running.push(restored);
    const token3 = await login(restored.url);
    const after = await listMembers(restored, token3);
    const erased = firstRun[0] as Member;
    // The erasure made after the backup is re-applied from the register outside the database (issue 13):
    // the erased member does not come back; every other member of the backup does, and the ones added
    // after it do not.
    expect(after).toEqual(
      new Map([...inBackup].filter(([id]) => id !== erased.id).map(([id, name]) => [id, name ?? undefined])),
    );
    expect((await callApi(restored.url, token3, 'GET', `/api/v1/members/${erased.id}`)).status).toBe(404);
    expect([...after.values()].some((name) => name?.endsWith('Depois'))).toBe(false);
    const restoredDb = join(unitDir, 'unit.db');
    expect(readFileSync(restoredDb).includes('Ana Cópia')).toBe(false);
    expect(readFileSync(restoredDb).includes('Bruno Cópia')).toBe(true);
    expect(await stopUnitProcess(restored.child)).toBe(0);
  });
});
