import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpfFromBase, formatCpf } from '../src/domain/cpf.ts';
import {
  callApi,
  killHard,
  login,
  startUnitProcess,
  stopUnitProcess,
  type UnitProcess,
} from './support/unit-process.ts';

interface Member {
  id: string;
  unitId: string;
  status: string;
  name?: string;
  email?: string;
  phone?: string;
  document?: string;
  birthDate?: string;
  gender?: string;
  consent: { marketing: boolean; imageAnalytics: boolean };
  createdAt: string;
  updatedAt: string;
}
interface Page {
  items: Member[];
  nextCursor?: string;
  total: number;
}
interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: { path: string; message: string }[];
}

const dir = mkdtempSync(join(tmpdir(), 'gymedge-members-e2e-'));
const dbPath = join(dir, 'sp-paulista', 'unit.db');
let unit: UnitProcess;
let token: string;

beforeAll(async () => {
  unit = await startUnitProcess(dir);
  token = await login(unit.url);
});
afterAll(async () => {
  if (unit) await killHard(unit.child);
  rmSync(dir, { recursive: true, force: true });
});

const api = <T>(method: string, path: string, body?: unknown) =>
  callApi<T>(unit.url, token, method, path, body);
const search = async (q: string, extra = '') => {
  const response = await api<Page>('GET', `/api/v1/members?q=${encodeURIComponent(q)}${extra}`);
  expect(response.status).toBe(200);
  return response.body;
};
const idsOf = (page: Page) => page.items.map((m) => m.id);

/** Names hold letters only: 42 → `ec`. */
const lettered = (n: number) => String(n).replace(/\d/g, (d) => 'abcdefghij'[Number(d)] ?? '');

/** `Joana Conceição` → `['joana', 'conceicao']`: the words as the search index stores them. */
const foldedWords = (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/\s+/);

/** Every TEXT and BLOB value of every table of the unit database that contains one of the needles. */
function clearTextHits(needles: string[]): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((t) => t.name);
    const hits: string[] = [];
    const wanted = needles.map((n) => ({ text: n, bytes: Buffer.from(n, 'utf8') }));
    for (const table of tables) {
      for (const row of db.prepare(`SELECT * FROM "${table.replace(/"/g, '""')}"`).iterate() as Iterable<
        Record<string, unknown>
      >) {
        for (const [column, value] of Object.entries(row)) {
          for (const needle of wanted) {
            const found =
              (typeof value === 'string' && value.includes(needle.text)) ||
              (Buffer.isBuffer(value) && value.includes(needle.bytes));
            if (found) hits.push(`${table}.${column} holds ${JSON.stringify(needle.text)}`);
          }
        }
      }
    }
    return hits;
  } finally {
    db.close();
  }
}

const cpf = cpfFromBase('318204657');
const joana = {
  name: 'Joana Conceição Brandão',
  email: 'joana.brandao@example.com',
  phone: '(11) 98765-4321',
  document: formatCpf(cpf),
  birthDate: '1990-05-17',
  gender: 'female',
  consent: { marketing: true },
};
let joanaId: string;
const paged = new Set<string>();

describe('members over HTTP against a real unit process', () => {
  it('create → GET → PATCH', async () => {
    const created = await api<Member>('POST', '/api/v1/members', joana);
    expect(created.status).toBe(201);
    const member = created.body;
    joanaId = member.id;
    expect(created.headers.get('location')).toBe(`/api/v1/members/${member.id}`);
    expect(member).toMatchObject({
      unitId: 'sp-paulista',
      status: 'active',
      name: joana.name,
      email: joana.email,
      phone: '+5511987654321',
      document: cpf,
      birthDate: '1990-05-17',
      gender: 'female',
      consent: { marketing: true, imageAnalytics: false },
    });

    const read = await api<Member>('GET', `/api/v1/members/${member.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(member);

    const patched = await api<Member>('PATCH', `/api/v1/members/${member.id}`, {
      phone: '(21) 99876-5432',
      email: null,
      consent: { imageAnalytics: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.phone).toBe('+5521998765432');
    expect(patched.body.email).toBeUndefined();
    expect(patched.body.consent).toEqual({ marketing: true, imageAnalytics: true });
    expect(patched.body.name).toBe(joana.name);
    expect(patched.body.updatedAt >= member.updatedAt).toBe(true);
    expect((await api<Member>('GET', `/api/v1/members/${member.id}`)).body).toEqual(patched.body);
  });

  it('finds the member by name without accents, by CPF and by the last digits of the phone', async () => {
    for (const q of ['joana conceicao', 'CONCEICAO brandao', 'Conceição', 'joa bran']) {
      expect(idsOf(await search(q)), q).toContain(joanaId);
    }
    for (const q of [cpf, formatCpf(cpf), cpf.slice(0, 6)]) {
      expect(idsOf(await search(q)), q).toContain(joanaId);
    }
    for (const q of ['5432', '98765432', '(21) 99876-5432', '+55 21 99876-5432']) {
      expect(idsOf(await search(q)), q).toContain(joanaId);
    }
    // The phone before the PATCH no longer finds her.
    expect(idsOf(await search('98765-4321'))).not.toContain(joanaId);
    expect(idsOf(await search('ninguem com este nome'))).toEqual([]);
  });

  it('pages through 120 members with the cursor, each exactly once', async () => {
    const created = new Set<string>();
    for (let batch = 0; batch < 12; batch++) {
      const members = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api<Member>('POST', '/api/v1/members', { name: `Paginação Aluno ${lettered(batch * 10 + i)}` }),
        ),
      );
      for (const response of members) {
        expect(response.status).toBe(201);
        created.add(response.body.id);
      }
    }
    expect(created.size).toBe(120);

    const seen: string[] = [];
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await search(
        'paginacao',
        `&limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      pages++;
      expect(page.total).toBe(120);
      seen.push(...idsOf(page));
      names.push(...page.items.map((m) => m.name ?? ''));
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages < 10);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(120);
    expect(new Set(seen)).toEqual(created);
    expect(names).toEqual([...names].sort());

    // The whole list (Joana too), in pages of 50.
    const everyone: string[] = [];
    cursor = undefined;
    do {
      const page = await search('', `&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.total).toBe(121);
      everyone.push(...idsOf(page));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(everyone).toHaveLength(121);
    expect(new Set(everyone).size).toBe(121);
    for (const id of created) paged.add(id);
  });

  it('refuses a bad CPF and an unknown field with a problem+json 400, and stores nothing', async () => {
    const before = (await search('')).total;
    const documentsBefore = (
      await callApi<{ storage: { documents: number } }>(unit.url, undefined, 'GET', '/health')
    ).body.storage.documents;

    const badCpf = await api<Problem>('POST', '/api/v1/members', {
      name: 'Rejeitado Documento',
      document: '123.456.789-00',
    });
    expect(badCpf.status).toBe(400);
    expect(badCpf.contentType).toMatch(/^application\/problem\+json/);
    expect(badCpf.body).toMatchObject({ status: 400, instance: '/api/v1/members' });
    expect(badCpf.body.detail).toEqual(expect.any(String));
    expect(badCpf.body.errors).toEqual([
      expect.objectContaining({ path: 'document', message: expect.stringMatching(/CPF/) }),
    ]);

    const unknownField = await api<Problem>('POST', '/api/v1/members', {
      name: 'Rejeitado Campo',
      nickname: 'Rejeitadinho',
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(unknownField.body)).toContain('nickname');

    const badPatch = await api<Problem>('PATCH', `/api/v1/members/${joanaId}`, {
      document: '111.111.111-11',
    });
    expect(badPatch.status).toBe(400);
    expect(badPatch.contentType).toMatch(/^application\/problem\+json/);
    expect((await api<Member>('GET', `/api/v1/members/${joanaId}`)).body.document).toBe(cpf);

    expect((await search('')).total).toBe(before);
    expect(idsOf(await search('rejeitado'))).toEqual([]);
    expect(clearTextHits(['Rejeitado', 'Rejeitadinho', '12345678900'])).toEqual([]);
    const documentsAfter = (
      await callApi<{ storage: { documents: number } }>(unit.url, undefined, 'GET', '/health')
    ).body.storage.documents;
    expect(documentsAfter).toBe(documentsBefore);
  });

  it('/health shows the document count, /metrics the store gauge, /api/docs/json the member routes', async () => {
    // The first owner account and 121 members.
    const health = await callApi<{ status: string; unitId: string; storage: Record<string, unknown> }>(
      unit.url,
      undefined,
      'GET',
      '/health',
    );
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      unitId: 'sp-paulista',
      storage: { ok: true },
    });
    // The first owner account and 121 members, plus whatever the other capabilities create at start.
    const documents = Number(health.body.storage.documents);
    expect(documents).toBeGreaterThanOrEqual(122);
    expect(health.body.storage).not.toHaveProperty('path');

    const metrics = await callApi<string>(unit.url, undefined, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('# TYPE gymedge_store_documents gauge');
    expect(metrics.body).toMatch(new RegExp(`^gymedge_store_documents ${documents}$`, 'm'));

    const docs = await callApi<{ paths: Record<string, Record<string, unknown>> }>(
      unit.url,
      undefined,
      'GET',
      '/api/docs/json',
    );
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths['/api/v1/members'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(docs.body.paths['/api/v1/members/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'patch',
    ]);
  });

  it('erasure: 204, then 404, not found by any search, and no clear name or CPF left in any column', async () => {
    const folded = 'joana conceicao brandao';
    // Before erasure the read model legitimately holds them: the scan sees them.
    expect(clearTextHits([joana.name, cpf])).toEqual(
      expect.arrayContaining([
        `member_index.name holds ${JSON.stringify(joana.name)}`,
        `member_index.document holds ${JSON.stringify(cpf)}`,
      ]),
    );
    const total = (await search('')).total;

    const erased = await api('DELETE', `/api/v1/members/${joanaId}`);
    expect(erased.status).toBe(204);

    const gone = await api<Problem>('GET', `/api/v1/members/${joanaId}`);
    expect(gone.status).toBe(404);
    expect(gone.contentType).toMatch(/^application\/problem\+json/);
    for (const q of ['joana', 'conceicao brandao', cpf, formatCpf(cpf), '5432', '21998765432']) {
      expect(idsOf(await search(q)), q).not.toContain(joanaId);
    }
    expect((await search('')).total).toBe(total - 1);
    // The other members are untouched.
    expect((await search('paginacao')).total).toBe(paged.size);

    expect(clearTextHits([joana.name, folded, cpf, formatCpf(cpf), '21998765432', joana.email])).toEqual([]);
  });

  // BUG (reported): the FTS5 index segments (member_fts_data) keep the erased member's name words until
  // they happen to be merged. Fix: `INSERT INTO member_fts(member_fts, rank) VALUES('secure-delete', 1)`
  // once in MemberProjection.setup. Remove `.fails` once fixed.
  it('erasure: no word of the name is left in the search index either', () => {
    const words = foldedWords(joana.name);
    expect(words).toEqual(['joana', 'conceicao', 'brandao']);
    expect(clearTextHits(words)).toEqual([]);
  });

  it('stops cleanly (SIGTERM)', async () => {
    expect(await stopUnitProcess(unit.child)).toBe(0);
  });

  // BUG (reported): without `PRAGMA secure_delete`, the bytes of the erased member's read-model row and
  // search entry stay in free space of unit.db (and in old WAL frames) after erasure and a clean stop.
  // Remove `.fails` once fixed.
  it('erasure: the unit.db file bytes hold no clear name, CPF or e-mail after a clean stop', () => {
    const bytes = Buffer.concat(
      [dbPath, `${dbPath}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
    );
    const found = ['joana conceicao brandao', joana.name, cpf, joana.email].filter((needle) =>
      bytes.includes(Buffer.from(needle, 'utf8')),
    );
    expect(found).toEqual([]);
  });

  it('after a restart, the erased member stays erased and the others are all there', async () => {
    unit = await startUnitProcess(dir);
    token = await login(unit.url);
    expect((await api('GET', `/api/v1/members/${joanaId}`)).status).toBe(404);
    expect((await search('paginacao', '&limit=200')).items.map((m) => m.id).sort()).toEqual(
      [...paged].sort(),
    );
    expect(clearTextHits([joana.name, cpf])).toEqual([]);
  });
});
