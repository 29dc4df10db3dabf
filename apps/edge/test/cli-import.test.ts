import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  callApi,
  hasStackTrace,
  killHard,
  runCli,
  startUnitProcess,
  stopUnitProcess,
  type UnitProcess,
} from './support/unit-process.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RETAIL = resolve(REPO_ROOT, '../shared/data/retail-transactions/Retail_Data_Transactions.csv');

const root = mkdtempSync(join(tmpdir(), 'gymedge-cli-import-'));
const running: UnitProcess[] = [];
afterAll(async () => {
  for (const unit of running) await killHard(unit.child);
  rmSync(root, { recursive: true, force: true });
});

function file(name: string, lines: string[]): string {
  const path = join(root, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Runs `gymedge import --unit sp-paulista --data <dataDir>` with the given files. */
function importInto(
  dataDir: string,
  files: { customers?: string; transactions?: string },
  extra: string[] = [],
) {
  return runCli([
    'import',
    '--unit',
    'sp-paulista',
    '--data',
    dataDir,
    ...(files.customers ? ['--customers', files.customers] : []),
    ...(files.transactions ? ['--transactions', files.transactions] : []),
    ...extra,
  ]);
}

function withDb<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'sp-paulista', 'unit.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

interface MemberIndexRow {
  doc_id: string;
  status: string;
  external_ref: string | null;
  gender: string | null;
  age: number | null;
  signup_date: string | null;
  region: string | null;
  churned: number | null;
  updated_at: string;
}

interface PaymentIndexRow {
  doc_id: string;
  external_ref: string;
  amount_cents: number;
  due_date: string;
  paid_at: string;
  service: string;
  status: string;
}

/** Everything an import may touch, in a stable order, to compare before and after. */
function snapshot(dataDir: string) {
  return withDb(dataDir, (db) => ({
    members: db.prepare('SELECT * FROM member_index ORDER BY doc_id').all() as MemberIndexRow[],
    payments: db
      .prepare(
        `SELECT p.doc_id, m.external_ref, p.amount_cents, p.due_date, p.paid_at, p.service, p.status
         FROM payment_index p JOIN member_index m ON m.doc_id = p.member_id ORDER BY p.doc_id`,
      )
      .all() as PaymentIndexRow[],
    documents: db.prepare('SELECT doc_id, heads, updated_at FROM documents ORDER BY doc_id').all(),
    changeLog: (db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n,
  }));
}

// `;`-delimited, as Brazilian Excel exports it. Lines are numbered as the file counts them (header = 1).
const customers = file('customers.csv', [
  'customer_id;age;gender;signup_date;region;churn',
  'C001;34;F;15/01/2023;Centro;0', // 2 good (DD/MM/YYYY)
  'C002;51;masculino;2023-02-20;Zona Sul;sim', // 3 good, churned
  'C003;abc;M;2023-03-01;Norte;0', // 4 bad age
  'C004;40;M;2023-02-30;Norte;0', // 5 bad date
  'C005;29;X;2023-03-05;Leste;0', // 6 unknown gender
  ';22;F;2023-01-01;Sul;0', // 7 empty customer_id
  'C007;30;M;2023-01-01;Sul;0;extra', // 8 too many fields
  'C008;;;;;', // 9 good: only the id
]);

// `,`-delimited, without the optional `service` column.
const transactions = file('transactions.csv', [
  'customer_id,transaction_date,amount',
  'C001,2023-02-01,"89,90"', // 2 good
  'C001,2023-03-01,89.90', // 3 good
  'C002,2023-02-15,"R$ 1.234,56"', // 4 good
  'C001,2023-04-01,abc', // 5 bad amount
  'C002,31/04/2023,50', // 6 bad date (there is no 31 April)
  'C999,2023-05-05,120', // 7 good, a customer the unit does not know
]);

describe('gymedge import', () => {
  const data = join(root, 'data');

  it('a mistyped --unit is refused (exit 2, the likely unit named), and no unit folder is made', async () => {
    const first = await importInto(data, { customers: file('one.csv', ['customer_id', 'C0']) });
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/there is no unit sp-paulista in .*add --create-unit/);
    expect(existsSync(join(data, 'sp-paulista'))).toBe(false);
  });

  it('stores the good rows, lists every bad row with its line and column, and exits with 3', async () => {
    const result = await importInto(data, { customers, transactions }, ['--create-unit']);
    expect(result.code).toBe(3);
    expect(hasStackTrace(result.stderr)).toBe(false);
    const out = result.stdout;
    expect(out).toMatch(/customers\.csv: 8 rows in [\d.]+ s: 3 created, 0 updated, 0 unchanged, 5 rejected/);
    expect(out).toMatch(/line 4: age "abc"/);
    expect(out).toMatch(/line 5: signup_date "2023-02-30"/);
    expect(out).toMatch(/line 6: gender "X"/);
    expect(out).toMatch(/line 7: customer_id is empty/);
    expect(out).toMatch(/line 8: expected 6 fields like the header, found 7/);
    expect(out).toMatch(
      /transactions\.csv: 6 rows in [\d.]+ s: 4 created, 0 updated, 0 unchanged, 1 members? created for unknown customers?, 2 rejected/,
    );
    expect(out).toMatch(/line 5: amount "abc"/);
    expect(out).toMatch(/line 6: transaction_date "31\/04\/2023"/);
    // Progress goes to stderr (stdout stays the report).
    expect(result.stderr).toMatch(/importing .*customers\.csv 100%/);
    expect(result.stderr).toMatch(/importing .*transactions\.csv 100%/);

    const { members, payments } = snapshot(data);
    const byRef = new Map(members.map((m) => [m.external_ref, m]));
    expect([...byRef.keys()].sort()).toEqual(['C001', 'C002', 'C008', 'C999']);
    expect(byRef.get('C001')).toMatchObject({
      status: 'active',
      gender: 'female',
      age: 34,
      signup_date: '2023-01-15',
      region: 'Centro',
      churned: 0,
    });
    expect(byRef.get('C002')).toMatchObject({
      status: 'inactive',
      gender: 'male',
      age: 51,
      signup_date: '2023-02-20',
      region: 'Zona Sul',
      churned: 1,
    });
    expect(byRef.get('C008')).toMatchObject({
      status: 'active',
      gender: null,
      age: null,
      signup_date: null,
      region: null,
      churned: null,
    });
    expect(byRef.get('C999')).toMatchObject({ status: 'active', gender: null, age: null });
    expect(
      payments
        .map(({ external_ref, amount_cents, due_date, paid_at, service, status }) => ({
          external_ref,
          amount_cents,
          due_date,
          paid_at,
          service,
          status,
        }))
        .sort((a, b) => `${a.external_ref}${a.due_date}`.localeCompare(`${b.external_ref}${b.due_date}`)),
    ).toEqual([
      // Noon in São Paulo (UTC-3) on the day of the payment.
      {
        external_ref: 'C001',
        amount_cents: 8990,
        due_date: '2023-02-01',
        paid_at: '2023-02-01T15:00:00.000Z',
        service: 'Não informado',
        status: 'paid',
      },
      {
        external_ref: 'C001',
        amount_cents: 8990,
        due_date: '2023-03-01',
        paid_at: '2023-03-01T15:00:00.000Z',
        service: 'Não informado',
        status: 'paid',
      },
      {
        external_ref: 'C002',
        amount_cents: 123456,
        due_date: '2023-02-15',
        paid_at: '2023-02-15T15:00:00.000Z',
        service: 'Não informado',
        status: 'paid',
      },
      {
        external_ref: 'C999',
        amount_cents: 12000,
        due_date: '2023-05-05',
        paid_at: '2023-05-05T15:00:00.000Z',
        service: 'Não informado',
        status: 'paid',
      },
    ]);
  });

  it('importing the same files again changes nothing: no document, no change-log entry', async () => {
    const before = snapshot(data);
    const result = await importInto(data, { customers, transactions });
    expect(result.code).toBe(3); // the same rows are still bad, and still reported
    expect(result.stdout).toMatch(
      /customers\.csv: 8 rows in [\d.]+ s: 0 created, 0 updated, 3 unchanged, 5 rejected/,
    );
    expect(result.stdout).toMatch(
      /transactions\.csv: 6 rows in [\d.]+ s: 0 created, 0 updated, 4 unchanged, 2 rejected/,
    );
    expect(result.stdout).not.toMatch(/members? created for unknown/);
    const after = snapshot(data);
    expect(after.changeLog).toBe(before.changeLog);
    expect(after).toEqual(before);
  });

  it('a clean file with only some of the columns imports with exit code 0', async () => {
    const minimal = file('customers-minimal.csv', ['customer_id,gender', 'C010,F', 'C011,outro']);
    const result = await importInto(data, { customers: minimal });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/2 rows in [\d.]+ s: 2 created, 0 updated, 0 unchanged, 0 rejected/);
    const rows = withDb(
      data,
      (db) =>
        db
          .prepare("SELECT * FROM member_index WHERE external_ref IN ('C010', 'C011') ORDER BY external_ref")
          .all() as MemberIndexRow[],
    );
    expect(rows).toMatchObject([
      { external_ref: 'C010', gender: 'female', age: null, signup_date: null, region: null, churned: null },
      { external_ref: 'C011', gender: 'other', age: null, signup_date: null, region: null, churned: null },
    ]);
  });

  it('--errors FILE gets every rejected row, not only the first 20 shown', async () => {
    const bad = Array.from({ length: 25 }, (_, i) => `C001,2024-01-${String(i + 1).padStart(2, '0')},ten`);
    const manyBad = file('transactions-bad.csv', [
      'customer_id,transaction_date,amount',
      ...bad,
      'C001,2024-02-01,10',
    ]);
    const errorsFile = join(root, 'rejected.csv');
    const result = await importInto(data, { transactions: manyBad }, ['--errors', errorsFile]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/26 rows in [\d.]+ s: 1 created, 0 updated, 0 unchanged, 25 rejected/);
    expect(result.stdout).toContain(`... and 5 more (all in ${errorsFile})`);
    expect(existsSync(errorsFile)).toBe(true);
    const lines = readFileSync(errorsFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(26);
    expect(lines[0]).toBe('file,line,reason,row');
    lines.slice(1).forEach((line, i) => {
      // The rejected row itself, as it is in the file, with its line and the reason.
      expect(line).toBe(`${manyBad},${i + 2},"amount ""ten"" is not a number","${bad[i]}"`);
    });
  });

  it('a broken quote costs one reported record; a future signup and a repeated customer_id are reported', async () => {
    const messy = file('customers-messy.csv', [
      'customer_id,age,gender,signup_date,region,churn',
      'M1,30,F,2023-01-01,Sul,0',
      'M2,31,M,2023-01-01,Sul,0',
      'M3,"32,F,2023-01-01,Sul,0', // 4: the quote is never closed
      'M4,33,F,2023-01-01,Sul,0',
      'M5,34,F,2023-01-01,Sul,0',
      'M6,35,F,2023-01-01,Sul,0',
      'M7,36,F,2023-01-01,Sul,0',
      'M8,37,F,2099-01-01,Sul,0', // 9: signup in the future
      'M1,40,M,2023-05-05,Norte,1', // 10: M1 again
    ]);
    const errorsFile = join(root, 'messy-rejected.csv');
    const result = await importInto(data, { customers: messy }, ['--errors', errorsFile]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/9 rows in [\d.]+ s: 6 created, 0 updated, 0 unchanged, 3 rejected/);
    expect(result.stdout).toMatch(/line 4: a quote opened on this line is never closed/);
    expect(result.stdout).toMatch(/line 9: signup_date "2099-01-01" is in the future/);
    expect(result.stdout).toMatch(/line 10: customer_id M1 appears again \(first on line 2\)/);
    expect(result.stdout).toMatch(/have no name, e-mail or phone.*customer id/);
    const stored = withDb(
      data,
      (db) =>
        db
          .prepare(
            "SELECT external_ref, region FROM member_index WHERE external_ref LIKE 'M%' ORDER BY external_ref",
          )
          .all() as Array<{ external_ref: string; region: string }>,
    );
    // The four rows after the broken quote are there; M1 kept its first row.
    expect(stored.map((r) => r.external_ref)).toEqual(['M1', 'M2', 'M4', 'M5', 'M6', 'M7']);
    expect(stored[0]?.region).toBe('Sul');
    const rejected = readFileSync(errorsFile, 'utf8').trim().split('\n');
    expect(rejected.slice(1).map((line) => line.split(',').slice(0, 2).join(','))).toEqual([
      `${messy},4`,
      `${messy},9`,
      `${messy},10`,
    ]);
    expect(rejected[1]).toContain('"M3,""32,F,2023-01-01,Sul,0"');
  });

  it('tab- and pipe-delimited files are read', async () => {
    const tab = file('customers-tab.csv', ['customer_id\tage\tregion', 'T1\t30\tSul']);
    const pipe = file('customers-pipe.csv', ['customer_id|age|region', 'P1|31|Norte']);
    expect((await importInto(data, { customers: tab })).stdout).toMatch(/1 created/);
    expect((await importInto(data, { customers: pipe })).stdout).toMatch(/1 created/);
    const regions = withDb(data, (db) =>
      db
        .prepare(
          "SELECT external_ref, age, region FROM member_index WHERE external_ref IN ('T1', 'P1') ORDER BY 1",
        )
        .all(),
    );
    expect(regions).toEqual([
      { external_ref: 'P1', age: 31, region: 'Norte' },
      { external_ref: 'T1', age: 30, region: 'Sul' },
    ]);
  });

  it('a folder given as a file is called a folder, not EISDIR', async () => {
    const folder = await importInto(data, { customers: root });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/is a folder, not a file/);
    expect(folder.stderr).not.toMatch(/EISDIR/);
  });

  it('members imported without a name are found by their customer id, exactly', async () => {
    const { openUnitStore } = await import('../src/unit-store.ts');
    const { silentLogger } = await import('../src/lib/logger.ts');
    const unit = openUnitStore({
      dir: join(data, 'sp-paulista'),
      unitId: 'sp-paulista',
      logger: silentLogger(),
      compactEveryMs: 0,
    });
    try {
      const found = unit.members.search({ q: 'C001', limit: 10 });
      expect(found.items.map((m) => m.externalRef)).toEqual(['C001']);
      expect(found.items[0]?.name).toBeUndefined();
      expect(unit.members.search({ q: 'c001', limit: 10 }).items).toHaveLength(1);
      expect(unit.members.search({ q: 'C00', limit: 10 }).items).toHaveLength(0);
    } finally {
      await unit.close();
    }
  });

  it('refuses to import into a running unit (the lock), with exit code 2 and a clear message', async () => {
    const before = snapshot(data);
    const unit = await startUnitProcess(data);
    running.push(unit);
    expect((await callApi(unit.url, undefined, 'GET', '/health')).status).toBe(200);
    const other = file('customers-while-running.csv', ['customer_id,age', 'C500,30']);
    const result = await importInto(data, { customers: other });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`is in use by process ${unit.child.pid}`);
    expect(result.stderr).toMatch(/Stop it first/);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await stopUnitProcess(unit.child)).toBe(0);
    const after = snapshot(data);
    expect(after.members.map((m) => m.external_ref)).not.toContain('C500');
    // The unit itself wrote only its first owner account; the member and payment rows are as they were.
    expect(after.members).toEqual(before.members);
    expect(after.payments).toEqual(before.payments);
  });

  it.skipIf(!existsSync(RETAIL))(
    existsSync(RETAIL)
      ? 'imports the head (3,000 lines) of the public Retail_Data_Transactions.csv, with progress on stderr'
      : `retail head import SKIPPED: ${RETAIL} is not on this machine`,
    async () => {
      const head = readFileSync(RETAIL, 'utf8').split('\n').slice(0, 3000);
      const retail = file('retail-head.csv', head);
      const rows = head.slice(1).map((line) => line.trim().split(','));
      const customersInFile = new Set(rows.map((r) => r[0]));
      const totalCents = rows.reduce((sum, r) => sum + Math.round(Number(r[2]) * 100), 0);
      const retailData = join(root, 'retail-data');

      const result = await importInto(retailData, { transactions: retail }, ['--create-unit']);
      expect(result.stderr).toMatch(/importing .*retail-head\.csv 100%/);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(
          `2,999 rows in [\\d.]+ s: 2999 created, 0 updated, 0 unchanged, ${customersInFile.size} members created for unknown customers, 0 rejected`,
        ),
      );
      const stored = withDb(retailData, (db) => ({
        payments: db.prepare('SELECT count(*) AS n, sum(amount_cents) AS cents FROM payment_index').get() as {
          n: number;
          cents: number;
        },
        members: (db.prepare('SELECT count(*) AS n FROM member_index').get() as { n: number }).n,
        // First data line: CS5295,2/11/2013,35 (the retail set writes M/D/YYYY).
        first: db
          .prepare(
            `SELECT p.amount_cents, p.due_date FROM payment_index p JOIN member_index m ON m.doc_id = p.member_id
             WHERE m.external_ref = 'CS5295' AND p.due_date = '2013-02-11'`,
          )
          .all(),
      }));
      expect(stored.payments).toEqual({ n: 2999, cents: totalCents });
      expect(stored.members).toBe(customersInFile.size);
      expect(stored.first).toEqual([{ amount_cents: 3500, due_date: '2013-02-11' }]);
    },
    // 3,000 real rows through the CLI: seconds on an idle machine, but CI shares two cores.
    120_000,
  );
});
