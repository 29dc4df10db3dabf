import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../lib/logger.ts';
import type { Actor } from '../services/contracts.ts';
import { openUnitStore, type UnitStore, type UnitStoreOptions } from '../unit-store.ts';

export const SYSTEM: Actor = { id: 'system', role: 'system' };

/** A unit store in a fresh temporary folder, on a real SQLite file; `cleanup` closes and deletes it. */
export function tempUnit(unitId = 'sp-paulista', options: Partial<UnitStoreOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), `gymedge-${unitId}-`));
  const open = (): UnitStore =>
    openUnitStore({ dir, unitId, logger: silentLogger(), compactEveryMs: 0, ...options });
  return {
    dir,
    open,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
