import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { seedDemoUnit } from '../demo/seed.ts';
import { silentLogger } from '../lib/logger.ts';
import { GYMEDGE_BIN } from '../paths.ts';
import { dbPathOf, openUnitStore } from '../unit-store.ts';
import { DEFAULT_TIME_ZONE, DEMO_UNITS, dataDirFrom, unitIdFrom } from './config.ts';
import { progressPrinter, UsageError } from './output.ts';

/** Progress of a seeding child, relayed to whoever started the unit. */
export type SeedMessage = { type: 'seeding'; unitId: string; step: string; done: number; total: number };

export function membersFrom(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200_000) {
    throw new UsageError(`the number of demo members must be from 1 to 200000, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Whether a unit has no members yet (read-only look, without taking the unit's lock). */
export function unitIsEmpty(unitDir: string): boolean {
  const path = dbPathOf(unitDir);
  if (!existsSync(path)) return true;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'documents'").get();
    if (table === undefined) return true;
    return db.prepare("SELECT 1 FROM documents WHERE type = 'member' LIMIT 1").get() === undefined;
  } finally {
    db.close();
  }
}

/**
 * Seeds in a separate process, so the unit that serves afterwards starts with a small memory
 * footprint (Automerge's WebAssembly memory grows to the peak of the seeding and never shrinks).
 */
export function seedInChild(
  dataDir: string,
  unitId: string,
  members: number,
  onMessage: (m: SeedMessage) => void,
): Promise<void> {
  const child = fork(
    GYMEDGE_BIN,
    ['seed-demo', '--unit', unitId, '--data', dataDir, '--members', String(members)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  child.on('message', (message: SeedMessage) => onMessage(message));
  return new Promise((resolve, reject) =>
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`seeding ${unitId} failed (${signal ?? `exit code ${code}`})`)),
    ),
  );
}

export async function seedDemoCommand(options: {
  unit: string;
  data?: string;
  members: string;
}): Promise<void> {
  const unitId = unitIdFrom(options.unit);
  const members = membersFrom(options.members);
  const dir = join(dataDirFrom(options.data), unitId);
  if (!unitIsEmpty(dir)) {
    console.log(`${unitId} already has members; nothing seeded.`);
    return;
  }
  const known = DEMO_UNITS.find((u) => u.unitId === unitId);
  const unit = openUnitStore({ dir, unitId, logger: silentLogger(), compactEveryMs: 0 });
  const bars = new Map<string, ReturnType<typeof progressPrinter>>();
  try {
    const summary = await seedDemoUnit(
      unit,
      {
        unitId,
        name: known?.name ?? `GymEdge ${unitId}`,
        city: known?.city ?? 'São Paulo',
        state: known?.state ?? 'SP',
        timeZone: DEFAULT_TIME_ZONE,
        members,
        seed: known?.seed ?? 7,
        months: 12,
        today: new Date().toISOString().slice(0, 10),
      },
      (step, done, total) => {
        if (process.send) {
          process.send({ type: 'seeding', unitId, step, done, total } satisfies SeedMessage);
          return;
        }
        if (!bars.has(step)) bars.set(step, progressPrinter(`${unitId}: ${step}`));
        bars.get(step)?.(done, total);
      },
    );
    if (!process.send) {
      console.log(
        `Seeded ${unitId} in ${summary.seconds.toFixed(1)} s: ${summary.members} members, ${summary.memberships} memberships, ${summary.payments} payments, ${summary.sessions} class sessions, ${summary.checkins} check-ins.`,
      );
    }
  } finally {
    await unit.close();
  }
}
