import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GYMEDGE_BIN } from '../paths.ts';
import { DEMO_UNITS, dataDirFrom, parsePort, portEnvName } from './config.ts';
import type { UnitMessage } from './edge.ts';
import { startDemoHq } from './hq.ts';
import { progressPrinter } from './output.ts';
import { clearUnitFolder, confirmReset } from './reset.ts';

/**
 * The demo chain: each unit in its own process (as each gym runs its own appliance), seeded on
 * first start, enrolled at HQ and syncing with it; HQ and its MQTT broker run as processes of their own.
 */
export async function demoCommand(options: {
  data?: string;
  members: string;
  reset?: boolean;
  /** With --reset: delete without asking. */
  yes?: boolean;
  host: string;
}): Promise<void> {
  const dataDir = dataDirFrom(options.data);
  if (options.reset) {
    await confirmReset(
      DEMO_UNITS.map((unit) => join(dataDir, unit.unitId)),
      options.yes === true,
    );
    for (const unit of DEMO_UNITS) {
      const kept = clearUnitFolder(join(dataDir, unit.unitId));
      if (kept.length > 0) console.log(`${unit.unitId}: kept ${kept.join(', ')} (copies a restore kept)`);
    }
    rmSync(join(dataDir, 'hq'), { recursive: true, force: true });
  }
  const password = process.env.GYMEDGE_DEMO_PASSWORD || randomBytes(9).toString('base64url');
  // HQ's admin takes the demo password only when HQ is new (or it comes from GYMEDGE_DEMO_PASSWORD): a
  // restart generates a fresh one for units that are new, and handing that to an existing HQ would change its
  // admin's password to one nobody was shown.
  const hqPassword =
    process.env.GYMEDGE_DEMO_PASSWORD || !existsSync(join(dataDir, 'hq')) ? password : undefined;
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = (code: number) => {
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
    // A process still stopping after 10 s is killed, never left behind holding its port and lock (a kill -9
    // loses nothing acknowledged: the store's durability does not depend on a clean stop).
    setTimeout(() => {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          console.error(`pid ${child.pid} did not stop within 10 s: killed`);
          child.kill('SIGKILL');
        }
      }
      setTimeout(() => process.exit(code), 500).unref();
    }, 10_000).unref();
    Promise.all(
      children.map(
        (c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
      ),
    ).then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  process.once('SIGINT', () => stopAll(0));
  process.once('SIGTERM', () => stopAll(0));

  console.log(`GymEdge demo chain — data in ${dataDir}`);
  const hq = await startDemoHq({
    dataDir,
    password: hqPassword,
    host: options.host,
    units: DEMO_UNITS.map((unit) => unit.unitId),
    children,
    stopping: () => stopping,
  }).catch((error: unknown) => {
    stopAll(1);
    throw error;
  });
  const ready = await Promise.all(
    DEMO_UNITS.map(
      (unit) =>
        new Promise<Extract<UnitMessage, { type: 'ready' }>>((resolve, reject) => {
          const port = parsePort(
            process.env[portEnvName(unit.unitId)] ?? String(unit.port),
            portEnvName(unit.unitId),
          );
          const child = fork(
            GYMEDGE_BIN,
            [
              'edge',
              '--unit',
              unit.unitId,
              '--port',
              String(port),
              '--host',
              options.host,
              '--data',
              dataDir,
              '--seed-demo',
              options.members,
            ],
            {
              env: {
                ...process.env,
                GYMEDGE_ADMIN_PASSWORD: password,
                GYMEDGE_LOG_LEVEL: process.env.GYMEDGE_LOG_LEVEL ?? 'warn',
              },
              stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            },
          );
          children.push(child);
          const bars = new Map<string, ReturnType<typeof progressPrinter>>();
          child.on('message', (message: UnitMessage) => {
            if (message.type === 'seeding') {
              const key = `${unit.unitId}: seeding ${message.step}`;
              if (!bars.has(key)) bars.set(key, progressPrinter(key));
              bars.get(key)?.(message.done, message.total);
            } else if (message.type === 'ready') resolve(message);
          });
          child.once('exit', (code, signal) => {
            if (!stopping) {
              reject(
                new Error(
                  `unit ${unit.unitId} stopped (${signal ?? `exit code ${code}`}); see the messages above`,
                ),
              );
            }
          });
        }),
    ),
  ).catch((error: unknown) => {
    stopAll(1);
    throw error;
  });

  // The banner says what a person waits for: from this command's start to every unit answering.
  const readySeconds = ((Date.now() - performance.timeOrigin) / 1000).toFixed(1);
  console.log('');
  console.log(`  All units answer ${readySeconds} s after the command started.`);
  for (const unit of ready) {
    console.log(
      `  ${unit.unitId.padEnd(14)} ${unit.url}   API docs ${unit.url}/api/docs   ${unit.members.toLocaleString('en-US')} members   (this unit: code loaded in ${(unit.codeMs / 1000).toFixed(1)} s, ${unit.totalMs > unit.startupMs + 200 ? `seeded in ${((unit.totalMs - unit.startupMs) / 1000).toFixed(1)} s, ` : ''}store opened and serving in ${(unit.startupMs / 1000).toFixed(1)} s)`,
    );
  }
  console.log(
    `  ${'hq'.padEnd(14)} ${hq.url}   HQ sync dashboard and API (MQTT broker ${hq.brokerUrl}, pid ${hq.brokerPid()}: kill it to watch the lag rise; it comes back after 10 s)`,
  );
  if (process.env.GYMEDGE_DEMO_PASSWORD) {
    for (const unit of ready) {
      if (unit.adminPasswordIgnored === undefined) continue;
      console.log(
        `\n  Note: GYMEDGE_DEMO_PASSWORD is not the password of ${unit.adminPasswordIgnored} at ${unit.unitId}: it is used only when a unit's first owner is created, and that owner keeps the password set then. Sign in with that one, or start over with npm start -- --reset --yes.`,
      );
    }
  }
  if (ready.some((u) => u.createdAdmin)) {
    console.log(
      `\n  Sign in as admin with password ${password}${process.env.GYMEDGE_DEMO_PASSWORD ? ' (from GYMEDGE_DEMO_PASSWORD)' : ' — generated now and shown only once; note it'}.`,
    );
  } else {
    console.log(
      '\n  Sign in as admin with the password shown at the first start (or GYMEDGE_DEMO_PASSWORD). Reset: npm start -- --reset',
    );
  }
  console.log('  Press Ctrl+C to stop.');
}
