import { seedDemoUnit } from '../demo/seed.ts';
import { startEdge } from '../edge-app.ts';
import { DEFAULT_TIME_ZONE, DEMO_UNITS, dataDirFrom, parsePort, portEnvName, unitIdFrom } from './config.ts';

/** Messages a unit started by `gymedge demo` sends to its parent. */
export type UnitMessage =
  | { type: 'seeding'; unitId: string; step: string; done: number; total: number }
  | { type: 'ready'; unitId: string; url: string; members: number; createdAdmin: boolean; startupMs: number };

function tell(message: UnitMessage): void {
  process.send?.(message);
}

export async function edgeCommand(options: {
  unit: string;
  port?: string;
  host: string;
  data?: string;
  seedDemo?: string;
}): Promise<void> {
  const unitId = unitIdFrom(options.unit);
  const port = parsePort(options.port ?? process.env[portEnvName(unitId)] ?? '8081', '--port');
  const seedMembers = options.seedDemo === undefined ? undefined : Number(options.seedDemo);
  if (
    seedMembers !== undefined &&
    (!Number.isInteger(seedMembers) || seedMembers < 1 || seedMembers > 200_000)
  ) {
    throw new Error(`--seed-demo must be a number of members from 1 to 200000, got ${options.seedDemo}`);
  }
  const started = Date.now();
  const known = DEMO_UNITS.find((u) => u.unitId === unitId);
  const edge = await startEdge({
    unitId,
    port,
    host: options.host,
    dataDir: dataDirFrom(options.data),
    ...(process.env.GYMEDGE_ADMIN_PASSWORD ? { adminPassword: process.env.GYMEDGE_ADMIN_PASSWORD } : {}),
    beforeListen: async (unit, logger) => {
      if (seedMembers === undefined || unit.store.idsOfType('member').length > 0) return;
      const summary = await seedDemoUnit(
        unit,
        {
          unitId,
          name: known?.name ?? `GymEdge ${unitId}`,
          city: known?.city ?? 'São Paulo',
          state: known?.state ?? 'SP',
          timeZone: DEFAULT_TIME_ZONE,
          members: seedMembers,
          seed: known?.seed ?? 7,
          months: 12,
          today: new Date().toISOString().slice(0, 10),
        },
        (step, done, total) => tell({ type: 'seeding', unitId, step, done, total }),
      );
      logger.info({ ...summary }, 'demo data seeded');
    },
  });
  const members = edge.unit.memberQueries.search({ limit: 1 }).total;
  tell({
    type: 'ready',
    unitId,
    url: edge.url,
    members,
    createdAdmin: edge.createdAdmin !== undefined,
    startupMs: Date.now() - started,
  });
  if (!process.send) {
    console.log(
      `${unitId} is serving ${edge.url} (API docs: ${edge.url}/api/docs), ${members.toLocaleString('en-US')} members.`,
    );
    if (edge.createdAdmin) {
      console.log(
        `First owner account created: login ${edge.createdAdmin.login}, password ${edge.createdAdmin.password} (shown once).`,
      );
    }
  }
  const shutdown = () => {
    edge.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.once('disconnect', shutdown);
}
