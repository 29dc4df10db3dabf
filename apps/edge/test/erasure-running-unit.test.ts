import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as A from '@automerge/automerge';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cpfFromBase, formatCpf } from '../src/domain/cpf.ts';
import { findSealKey } from './support/sealed-key.ts';
import { callApi, killHard, login, startUnitProcess, type UnitProcess } from './support/unit-process.ts';

// Issue 13 (critical): after DELETE /api/v1/members/:id, no file of the RUNNING unit may let the erased
// name, CPF or e-mail be read, nor the key that would decrypt them from the change log be found.

const cpf = cpfFromBase('407318265');
const person = {
  name: 'Zuleica Quintanilha Bezerra',
  email: 'zuleica.bezerra@example.com',
  phone: '(21) 99876-1234',
  document: formatCpf(cpf),
  birthDate: '1985-03-09',
  gender: 'female',
};
/** Spellings of the personal data as any table could hold them (clear, folded for search, digits only). */
const needles = [
  'Zuleica',
  'zuleica',
  'Quintanilha',
  'quintanilha',
  'Bezerra',
  'bezerra',
  person.email,
  cpf,
  formatCpf(cpf),
  '998761234',
];

function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesOf(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Every sealed value of the member's name that the change log holds (what a key would open). */
function sealedNames(dbPath: string, memberId: string): Uint8Array[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT bytes FROM change_log WHERE doc_id = ? ORDER BY seq')
      .all(memberId) as Array<{
      bytes: Buffer;
    }>;
    const sealed: Uint8Array[] = [];
    let doc = A.init<{ pii?: { name?: Uint8Array } }>();
    for (const row of rows) {
      doc = A.loadIncremental(doc, new Uint8Array(row.bytes));
      const name = doc.pii?.name;
      if (name instanceof Uint8Array) sealed.push(Uint8Array.from(name));
    }
    // The first change carries the name: the history keeps it even after the erasure.
    const first = A.load<{ pii?: { name?: Uint8Array } }>(new Uint8Array(rows[0]?.bytes ?? []));
    if (first.pii?.name instanceof Uint8Array) sealed.push(Uint8Array.from(first.pii.name));
    return sealed;
  } finally {
    db.close();
  }
}

describe('erasure while the unit runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gymedge-erasure-'));
  const unitDir = join(dataDir, 'sp-paulista');
  let unit: UnitProcess | undefined;
  afterAll(async () => {
    if (unit) await killHard(unit.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no file of the running unit from which the erased member can be read or decrypted', async () => {
    unit = await startUnitProcess(dataDir);
    const token = await login(unit.url);
    const api = <T>(method: string, path: string, body?: unknown) =>
      callApi<T>(unit?.url ?? '', token, method, path, body);
    const created = await api<{ id: string }>('POST', '/api/v1/members', person);
    expect(created.status).toBe(201);
    const id = created.body.id;
    // Other traffic around it, so the member's pages are rewritten a few times in the WAL.
    for (let i = 0; i < 30; i++) {
      const other = await api('POST', '/api/v1/members', { name: `Outra Pessoa ${'abcdefghij'[i % 10]}` });
      expect(other.status).toBe(201);
    }
    expect((await api('PATCH', `/api/v1/members/${id}`, { phone: '(21) 99876-1235' })).status).toBe(200);

    // Control: before the erasure the files DO give the member away (the test can see it).
    const dbPath = join(unitDir, 'unit.db');
    const sealed = sealedNames(dbPath, id);
    expect(sealed.length).toBeGreaterThan(0);
    const before = filesOf(unitDir).map((file) => readFileSync(file));
    expect(before.some((bytes) => bytes.includes('Zuleica'))).toBe(true);

    expect((await api('DELETE', `/api/v1/members/${id}`)).status).toBe(204);

    // Right after the acknowledgement, with the unit still running: read every file of the unit.
    const files = filesOf(unitDir);
    expect(files.map((f) => f.slice(unitDir.length + 1))).toEqual(expect.arrayContaining(['unit.db']));
    const leaks: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) if (bytes.includes(needle)) leaks.push(`${file}: ${needle}`);
      // One key seals every field of the member: finding it for one sealed name is enough.
      const at = findSealKey(bytes, sealed[0] as Uint8Array, `${id}|name`);
      if (at !== undefined) leaks.push(`${file}: the name's key at byte ${at}`);
    }
    expect(leaks).toEqual([]);
    expect(unit.child.exitCode).toBeNull();

    // The folder is the unit user's only, and so is every file of the store in it (database, WAL,
    // shared memory, lock, erasure register). Files other parts of the unit create later in subfolders
    // are behind the 0700 folder.
    expect(statSync(unitDir).mode & 0o777).toBe(0o700);
    const storeFiles = files.filter((file) => /\/(unit\.(db|lock)[^/]*|erasures\.jsonl)$/.test(file));
    expect(storeFiles.length).toBeGreaterThanOrEqual(4);
    for (const file of storeFiles) expect([file, statSync(file).mode & 0o777]).toEqual([file, 0o600]);

    // The unit keeps serving, and the erasure is in the register outside the database.
    expect((await api('GET', `/api/v1/members/${id}`)).status).toBe(404);
    expect((await api('POST', '/api/v1/members', { name: 'Depois Da Exclusao' })).status).toBe(201);
    expect(readFileSync(join(unitDir, 'erasures.jsonl'), 'utf8')).toContain(id);
  }, 120_000);
});
