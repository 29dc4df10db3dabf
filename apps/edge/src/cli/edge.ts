import { join } from 'node:path';
import { startEdge } from '../edge-app.ts';
import { dataDirFrom, parsePort, portEnvName, unitIdFrom } from './config.ts';
import { progressPrinter } from './output.ts';
import { membersFrom, type SeedMessage, seedInChild, unitIsEmpty } from './seed.ts';

/** Messages a unit started by `gymedge demo` sends to its parent. */
export type UnitMessage =
  | SeedMessage
  | {
      type: 'ready';
      unitId: string;
      url: string;
      members: number;
      createdAdmin: boolean;
      /** Set (the owner's login) when GYMEDGE_ADMIN_PASSWORD was given but the owner has another password. */
      adminPasswordIgnored?: string;
      /** From opening the store to listening (the cold start). */
      startupMs: number;
      /** Including seeding, when this start seeded. */
      totalMs: number;
      /** From this process's start to the edge command running: loading the code (bundle or tsx). */
      codeMs: number;
    };

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
  const dataDir = dataDirFrom(options.data);
  const started = Date.now();
  // performance.now() counts from the process start: what it took to load the code before this line.
  const codeMs = Math.round(performance.now());
  if (options.seedDemo !== undefined) {
    const members = membersFrom(options.seedDemo);
    if (unitIsEmpty(join(dataDir, unitId))) {
      const bars = new Map<string, ReturnType<typeof progressPrinter>>();
      await seedInChild(dataDir, unitId, members, (message) => {
        if (process.send) return tell(message);
        if (!bars.has(message.step))
          bars.set(message.step, progressPrinter(`${unitId}: seeding ${message.step}`));
        bars.get(message.step)?.(message.done, message.total);
      });
    }
  }
  const opening = Date.now();
  const edge = await startEdge({
    unitId,
    port,
    host: options.host,
    dataDir,
    ...(process.env.GYMEDGE_ADMIN_PASSWORD ? { adminPassword: process.env.GYMEDGE_ADMIN_PASSWORD } : {}),
    // A demo unit plays a sample camera (vtest.avi when fetched), so the camera monitor is alive.
    vision: { demoCamera: options.seedDemo !== undefined },
  });
  // Handlers first: a stop that arrives right after "ready" must shut down cleanly, not kill.
  const shutdown = () => {
    edge.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.once('disconnect', shutdown);
  const members = edge.unit.memberQueries.search({ limit: 1 }).total;
  tell({
    type: 'ready',
    unitId,
    url: edge.url,
    members,
    createdAdmin: edge.createdAdmin !== undefined,
    ...(edge.adminPasswordIgnored === undefined
      ? {}
      : { adminPasswordIgnored: edge.adminPasswordIgnored.login }),
    startupMs: Date.now() - opening,
    totalMs: Date.now() - started,
    codeMs,
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
}
