import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupUnit, restoreUnit } from '../src/store/backup.ts';
import { ErasureRegister } from '../src/store/erasure-register.ts';
import { tempUnit } from '../src/store/test-support.ts';

// Issue 13: the erasure register lived in the database that a restore rolls back. It now lives beside
// it (erasures.jsonl) and every erasure made since the backup is applied again.

const owner = { id: 'owner-1', role: 'owner' as const };

describe('erasures survive a restore', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('re-applies every erasure made since the backup, including members the backup never had', async () => {
    const t = tempUnit();
    cleanups.push(t.cleanup);
    let unit = t.open();
    const early = await unit.members.create({ name: 'Helena Antes', email: 'helena@example.com' }, owner);
    const kept = await unit.members.create({ name: 'Igor Fica' }, owner);
    await unit.close();
    const backup = join(t.dir, '..', `${t.dir.split('/').pop()}-backup.db`);
    cleanups.push(() => rmSync(backup, { force: true }));
    await backupUnit(t.dir, backup);

    unit = t.open();
    const late = await unit.members.create({ name: 'Joana Depois' }, owner);
    await unit.members.erase(early.id, owner);
    await unit.members.erase(late.id, owner);
    await unit.close();
    expect(new ErasureRegister(t.dir).entries().map((e) => e.memberId)).toEqual([early.id, late.id]);

    const restored = restoreUnit(t.dir, backup, 'sp-paulista');
    expect(restored.erasuresToReapply).toBe(2);
    unit = t.open();
    await unit.ready;
    // Before the fix the restored unit served the erased member again, with a key that opens her history.
    expect(await unit.members.get(early.id)).toBeUndefined();
    expect(unit.vault.hasKey(early.id)).toBe(false);
    expect(unit.vault.erasedAt(early.id)).toBeDefined();
    expect(unit.vault.erasedAt(late.id)).toBeDefined();
    expect((await unit.members.get(kept.id))?.name).toBe('Igor Fica');
    expect(unit.audit.recent(10).filter((r) => r.action === 'member.erase.reapplied')).toHaveLength(2);
    await unit.close();
    const bytes = readFileSync(join(t.dir, 'unit.db'));
    expect(bytes.includes('Helena')).toBe(false);
    expect(bytes.includes('helena@example.com')).toBe(false);
    expect(bytes.includes('Igor Fica')).toBe(true);
    // Opening again changes nothing: the register and the database agree.
    unit = t.open();
    await unit.ready;
    expect(unit.audit.recent(10).filter((r) => r.action === 'member.erase.reapplied')).toHaveLength(2);
    await unit.close();
  });

  it('appends to the register an erasure the database holds but the register missed (a crash between them)', async () => {
    const t = tempUnit();
    cleanups.push(t.cleanup);
    let unit = t.open();
    const member = await unit.members.create({ name: 'Karina Crash' }, owner);
    await unit.members.erase(member.id, owner);
    await unit.close();
    rmSync(join(t.dir, 'erasures.jsonl'));
    unit = t.open();
    await unit.ready;
    expect(new ErasureRegister(t.dir).has(member.id)).toBe(true);
    await unit.close();
  });
});
