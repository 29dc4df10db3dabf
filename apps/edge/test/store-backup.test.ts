import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/lib/logger.ts';
import { openUnitStore } from '../src/unit-store.ts';
import { runCli } from './support/unit-process.ts';

// Issue 13: the online backup restarted its page copy on every write (about 60 s and 7,622 restarts on
// 33 MB under a busy writer). `gymedge backup` must finish under load, leave no -wal/-shm beside the
// copy, make it the unit user's only, and not count erased members.

const plan = {
  name: 'Mensal',
  priceCents: 12990,
  currency: 'BRL' as const,
  billingPeriod: 'monthly' as const,
  access: 'home' as const,
  active: true,
};

describe('gymedge backup of a busy unit', () => {
  const root = mkdtempSync(join(tmpdir(), 'gymedge-backup-load-'));
  const data = join(root, 'data');
  const unitDir = join(data, 'sp-paulista');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finishes while a writer commits all the time, with a consistent, private copy', async () => {
    const unit = openUnitStore({
      dir: unitDir,
      unitId: 'sp-paulista',
      logger: silentLogger(),
      compactEveryMs: 0,
    });
    // About 16 MB of history, so the copy has thousands of pages to get through.
    unit.db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
      INSERT INTO audit_log (at, actor_id, actor_role, action, target, detail)
      SELECT '2026-01-01T00:00:00Z', 'seed', 'system', 'seed', hex(randomblob(16)), hex(randomblob(100)) FROM n`);
    const before: string[] = [];
    for (let i = 0; i < 50; i++)
      before.push((await unit.store.create('plan', { ...plan, name: `Antes ${i}` })).id);

    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await unit.store.create('plan', { ...plan, name: `Durante ${written}` });
        written++;
      }
    })();
    const out = join(root, 'backups', 'busy.db');
    const started = Date.now();
    const result = await runCli(['backup', '--unit', 'sp-paulista', '--data', data, '--out', out]);
    const took = Date.now() - started;
    writing = false;
    await writer;
    await unit.close();
    expect(result.stderr).not.toContain('    at ');
    expect(result.code).toBe(0);
    // Before the fix this never finished while the writer ran (the copy restarted on every commit).
    expect(took).toBeLessThan(20_000);
    expect(written).toBeGreaterThan(50);

    // A consistent snapshot: every plan written before it, some written during it, none torn.
    const copy = new Database(out, { readonly: true, fileMustExist: true });
    const plans = copy.prepare("SELECT doc_id FROM documents WHERE type = 'plan'").all() as Array<{
      doc_id: string;
    }>;
    const indexed = copy.prepare('SELECT count(*) AS n FROM plan_index').get() as { n: number };
    const logged = copy.prepare('SELECT count(DISTINCT doc_id) AS n FROM change_log').get() as { n: number };
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();
    const ids = new Set(plans.map((p) => p.doc_id));
    for (const id of before) expect(ids.has(id)).toBe(true);
    expect(indexed.n).toBe(plans.length);
    expect(logged.n).toBe(plans.length);
    expect(plans.length).toBeLessThanOrEqual(50 + written);

    // Nothing beside the copy but the copy, and it is the unit user's only.
    expect(readdirSync(join(root, 'backups'))).toEqual(['busy.db']);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(existsSync(`${out}-wal`) || existsSync(`${out}-shm`)).toBe(false);
  }, 60_000);

  it('does not count erased members as members', async () => {
    const unit = openUnitStore({
      dir: unitDir,
      unitId: 'sp-paulista',
      logger: silentLogger(),
      compactEveryMs: 0,
    });
    const actor = { id: 'owner-1', role: 'owner' as const };
    const kept = await unit.members.create({ name: 'Fica Aqui' }, actor);
    const gone = await unit.members.create({ name: 'Vai Embora' }, actor);
    await unit.members.erase(gone.id, actor);
    await unit.close();
    const out = join(root, 'backups', 'erased.db');
    const result = await runCli(['backup', '--unit', 'sp-paulista', '--data', data, '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(1 members)');
    expect(kept.id).toMatch(/^member:/);
  }, 60_000);
});
