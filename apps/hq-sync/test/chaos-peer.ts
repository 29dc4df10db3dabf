/**
 * A unit or HQ as a real child process for the chaos suites (forked with tsx). Configured by the
 * GYMEDGE_CHAOS environment variable (JSON); reports over IPC. A unit creates `docs` members and then
 * makes `edits` updates with `concurrency` writers, reporting every write its store acknowledged.
 */
import { join } from 'node:path';
import pino from 'pino';
import { createUnitSync } from '../../edge/src/sync/index.ts';
import { openUnitStore } from '../../edge/src/unit-store.ts';
import { openHqStore } from '../src/relay/hq-store.ts';
import { Relay } from '../src/relay/relay.ts';

interface ChaosConfig {
  readonly role: 'unit' | 'hq';
  readonly root: string;
  readonly unitId?: string;
  readonly brokerUrl: string;
  readonly linkKeys: Record<string, string>;
  readonly docs?: number;
  readonly edits?: number;
  readonly concurrency?: number;
  /** Pause between a writer's edits (ms). */
  readonly pauseMs?: number;
}

const config = JSON.parse(process.env.GYMEDGE_CHAOS ?? '{}') as ChaosConfig;

// A unit whose clock is hours off: every `new Date()` and `Date.now()` of this process is shifted.
const offset = Number(process.env.GYMEDGE_CLOCK_OFFSET_MS ?? 0);
if (offset !== 0) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args: ConstructorParameters<typeof Date> | []) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as ConstructorParameters<typeof Date>));
    }
    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
}
const logger = pino({ level: process.env.GYMEDGE_TEST_LOG ?? 'silent' });
const send = (message: Record<string, unknown>) => process.send?.(message);

async function runHq(): Promise<void> {
  const hq = openHqStore({ dir: join(config.root, 'hq'), logger });
  const relay = new Relay({
    brokerUrl: config.brokerUrl,
    password: 'hq-password-for-tests',
    hq,
    linkKeyOf: (u) =>
      config.linkKeys[u] === undefined ? undefined : Buffer.from(config.linkKeys[u], 'base64'),
    logger,
    resendAfterMs: 3000,
  });
  await relay.start();
  send({ type: 'ready' });
  const stop = async () => {
    await relay.stop();
    await hq.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('message', (m: { type: string }) => {
    if (m.type === 'units') send({ type: 'units', units: relay.units() });
  });
}

async function runUnit(): Promise<void> {
  const unitId = config.unitId ?? 'sp-paulista';
  const unit = openUnitStore({ dir: join(config.root, unitId), unitId, logger, compactEveryMs: 0 });
  await unit.ready;
  const sync = createUnitSync({
    unit,
    credentials: {
      version: 1,
      unitId,
      brokerUrl: config.brokerUrl,
      username: unitId,
      password: 'unit-password-for-tests',
      linkKey: config.linkKeys[unitId] ?? '',
      issuedAt: new Date().toISOString(),
    },
    logger,
    repairEveryMs: 3000,
    resendAfterMs: 3000,
  });
  sync.start();
  const timer = setInterval(() => send({ type: 'status', status: sync.status() }), 250);
  const system = { id: 'system', role: 'system' } as const;
  const existing = unit.store.idsOfType('member');
  const ids = [...existing];
  for (let i = ids.length; i < (config.docs ?? 0); i++) {
    const m = await unit.members.create({ name: `Pessoa ${unitId} ${i}` }, system);
    ids.push(m.id);
  }
  send({ type: 'ready', docs: ids.length });
  let written = 0;
  const edits = config.edits ?? 0;
  let next = 0;
  const writer = async () => {
    while (next < edits) {
      const n = next++;
      const id = ids[n % ids.length] as string;
      await unit.store.update(id, { region: `r${n}` });
      written++;
      if (written % 50 === 0 || written === edits) send({ type: 'written', written });
      if (config.pauseMs !== undefined) await new Promise((r) => setTimeout(r, config.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: config.concurrency ?? 4 }, writer));
  send({ type: 'done', written });
  const stop = async () => {
    clearInterval(timer);
    await sync.stop();
    await unit.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
}

(config.role === 'hq' ? runHq() : runUnit()).catch((error: unknown) => {
  send({ type: 'error', message: String(error) });
  process.exit(1);
});
