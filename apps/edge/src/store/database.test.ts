import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreOpenError } from '@gymedge/store';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.ts';
import { openUnitStore } from '../unit-store.ts';

describe('opening a unit database', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'gymedge-open-'));
    dirs.push(d);
    return d;
  };
  const open = (d: string, unitId = 'sp-paulista') =>
    openUnitStore({ dir: d, unitId, logger: silentLogger(), compactEveryMs: 0 });

  it('explains a file that is not a database instead of printing a stack trace', () => {
    const d = dir();
    writeFileSync(join(d, 'unit.db'), 'this is a spreadsheet, not a database'.repeat(200));
    expect(() => open(d)).toThrow(StoreOpenError);
    expect(() => open(d)).toThrow(/is not a GymEdge database or is damaged\. Restore the latest backup/);
  });

  // The lock (a second process refused, taken over after kill -9 or power loss): apps/edge/test/store-lock.test.ts.

  it("refuses another unit's database", async () => {
    const d = dir();
    await open(d, 'sp-paulista').close();
    expect(() => open(d, 'rj-copacabana')).toThrow('belongs to unit sp-paulista, not rj-copacabana');
  });
});
