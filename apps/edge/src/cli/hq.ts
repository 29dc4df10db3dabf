import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { dataDirFrom, parsePort, unitIdFrom } from './config.ts';
import { UsageError } from './output.ts';

/**
 * `gymedge hq` and its subcommands. HQ's code (@gymedge/hq-sync) is imported only when one of them runs,
 * so starting a unit never loads the broker, and the edge CLI and HQ do not import each other at load time.
 */
const loadHq = () => import('@gymedge/hq-sync');

/** Messages `gymedge hq` sends to a parent that forked it (`gymedge demo`). */
export type HqMessage = {
  type: 'hq-ready';
  url: string;
  brokerUrl: string;
  createdAdmin: boolean;
  startupMs: number;
};

function readPem(path: string | undefined, what: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`${what}: cannot read ${path}`);
  }
}

function tlsFrom(options: { tlsCert?: string; tlsKey?: string }) {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  const cert = readPem(options.tlsCert, '--tls-cert');
  const key = readPem(options.tlsKey, '--tls-key');
  return cert !== undefined && key !== undefined ? { cert, key } : undefined;
}

async function runHq(options: {
  port?: string;
  host: string;
  data?: string;
  mqttPort?: string;
  broker?: string;
  brokerCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}): Promise<void> {
  const hqSync = await loadHq();
  const started = Date.now();
  const tls = tlsFrom(options);
  const brokerCaPem = readPem(options.brokerCa, '--broker-ca');
  const password = process.env.GYMEDGE_DEMO_PASSWORD || process.env.GYMEDGE_ADMIN_PASSWORD || undefined;
  const hq = await hqSync.startHq({
    dataDir: dataDirFrom(options.data),
    port: parsePort(options.port ?? process.env.GYMEDGE_HQ_PORT ?? String(hqSync.HQ_DEFAULT_PORT), '--port'),
    host: options.host,
    mqttPort: parsePort(
      options.mqttPort ?? process.env.GYMEDGE_MQTT_PORT ?? String(hqSync.MQTT_DEFAULT_PORT),
      '--mqtt-port',
    ),
    ...(options.broker === undefined ? {} : { brokerUrl: options.broker }),
    ...(brokerCaPem === undefined ? {} : { brokerCaPem }),
    ...(tls === undefined ? {} : { mqttTls: tls }),
    ...(password === undefined ? {} : { adminPassword: password }),
  });
  const shutdown = () => {
    // A link that cannot say goodbye (the broker is already gone) must not keep HQ from stopping.
    setTimeout(() => process.exit(1), 8000).unref();
    hq.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.once('disconnect', shutdown);
  const ready: HqMessage = {
    type: 'hq-ready',
    url: hq.url,
    brokerUrl: hq.brokerUrl,
    createdAdmin: hq.createdAdmin !== undefined,
    startupMs: Date.now() - started,
  };
  if (process.send) {
    process.send(ready);
    return;
  }
  process.stdout.write(
    `HQ is serving ${hq.url} (dashboard; API docs ${hq.url}/api/docs), MQTT broker ${hq.brokerUrl}.\n`,
  );
  if (hq.createdAdmin) {
    process.stdout.write(
      `HQ owner account: login ${hq.createdAdmin.login}, password ${hq.createdAdmin.password} (shown once).\n`,
    );
  }
}

async function rotateCardKey(options: { data?: string }): Promise<void> {
  const hqSync = await loadHq();
  const keys = hqSync.rotateMemberCardKey(hqSync.hqDirOf(dataDirFrom(options.data)));
  process.stdout.write(
    `Member cards are now signed with key ${keys[0]?.id}; accepted: ${keys.map((k) => k.id).join(', ')}.\n` +
      'Enrol each unit again (gymedge hq enrol --unit ID) to hand it the new keys.\n',
  );
}

async function enrol(options: {
  unit: string;
  data?: string;
  out?: string;
  brokerUrl?: string;
  ca?: string;
}): Promise<void> {
  const hqSync = await loadHq();
  const unitId = unitIdFrom(options.unit);
  const dataDir = dataDirFrom(options.data);
  const caPem = readPem(options.ca, '--ca');
  const brokerUrl =
    options.brokerUrl ??
    `${caPem === undefined ? 'mqtt' : 'mqtts'}://127.0.0.1:${process.env.GYMEDGE_MQTT_PORT ?? hqSync.MQTT_DEFAULT_PORT}`;
  const registry = hqSync.IdentityRegistry.open(hqSync.localDbPathOf(dataDir));
  try {
    const credentials = await hqSync.enrolUnit(registry, unitId, {
      brokerUrl,
      ...(caPem === undefined ? {} : { caPem }),
      // The chain's member-card keys: a card printed at one unit is read at all (docs/operations.md).
      memberCardKeys: hqSync.memberCardKeys(hqSync.hqDirOf(dataDir)),
    });
    const out = options.out ?? join(dataDir, unitId, hqSync.CREDENTIALS_FILE_NAME);
    hqSync.writeCredentialsFile(out, credentials);
    process.stdout.write(
      `Enrolled ${unitId}: MQTT user ${credentials.username} at ${brokerUrl}; credentials written to ${out} (mode 0600).\n` +
        'Copy that file to the unit (its data folder) over a trusted channel; HQ keeps only a hash of the password.\n' +
        'Enrolling the unit again issues a new password and revokes this one. With Mosquitto, run ' +
        '"gymedge hq mosquitto" again and send Mosquitto SIGHUP.\n',
    );
  } finally {
    registry.close();
  }
}

async function mosquitto(options: {
  data?: string;
  out: string;
  mqttPort?: string;
  host: string;
  tlsCert?: string;
  tlsKey?: string;
}): Promise<void> {
  const hqSync = await loadHq();
  const registry = hqSync.IdentityRegistry.open(hqSync.localDbPathOf(dataDirFrom(options.data)));
  try {
    if (registry.get('hq') === undefined) {
      throw new UsageError('HQ has no MQTT identity yet: start "gymedge hq" once (it issues its own) first');
    }
    const files = hqSync.writeMosquittoConfig({
      dir: options.out,
      registry,
      port: parsePort(options.mqttPort ?? '1883', '--mqtt-port'),
      host: options.host,
      ...(options.tlsCert !== undefined && options.tlsKey !== undefined
        ? { tls: { certFile: options.tlsCert, keyFile: options.tlsKey } }
        : {}),
    });
    process.stdout.write(
      `Wrote ${files.config}, ${files.passwordFile} and ${files.aclFile}.\n` +
        `Run: mosquitto -c ${files.config}   then: gymedge hq --broker mqtt://${options.host}:${options.mqttPort ?? '1883'}\n`,
    );
  } finally {
    registry.close();
  }
}

async function brokerOnly(options: { data?: string; mqttPort?: string; host: string }): Promise<void> {
  const hqSync = await loadHq();
  const { createLogger } = await import('../lib/logger.ts');
  const registry = hqSync.IdentityRegistry.open(hqSync.localDbPathOf(dataDirFrom(options.data)));
  const broker = await hqSync.startEmbeddedBroker({
    identities: registry,
    logger: createLogger('broker'),
    host: options.host,
    port: parsePort(
      options.mqttPort ?? process.env.GYMEDGE_MQTT_PORT ?? String(hqSync.MQTT_DEFAULT_PORT),
      '--mqtt-port',
    ),
  });
  const shutdown = () => {
    broker.stop().then(
      () => {
        registry.close();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.once('disconnect', shutdown);
  if (process.send) process.send({ type: 'broker-ready', url: broker.url });
  else process.stdout.write(`Embedded MQTT broker (HQ's identities and ACLs) on ${broker.url}.\n`);
}

const dataOption = () => new Option('--data <dir>', 'data folder (default: $GYMEDGE_DATA_DIR or ./.data)');

/** Registers `gymedge hq` (run HQ) and `gymedge hq enrol|mosquitto|broker`. */
export function registerHqCommands(program: Command, fail: (error: unknown) => never): void {
  const hq = program
    .command('hq')
    .description(
      'Run HQ: the relay of every unit, its MQTT broker (embedded on 127.0.0.1:1883, or --broker URL), the HQ API and the sync dashboard on :8090. Subcommands: enrol, mosquitto, broker.',
    )
    .option('--port <n>', 'HTTP port of the API and dashboard (default: $GYMEDGE_HQ_PORT or 8090)')
    .option('--host <host>', 'address the API listens on', '127.0.0.1')
    .addOption(dataOption())
    .option('--mqtt-port <n>', 'port of the embedded broker (default: $GYMEDGE_MQTT_PORT or 1883)')
    .option(
      '--broker <url>',
      'use this broker instead of the embedded one (Mosquitto, EMQX): mqtt://… or mqtts://…',
    )
    .option('--broker-ca <file>', 'CA certificate (PEM) to trust for an mqtts --broker')
    .option('--tls-cert <file>', 'certificate (PEM) for the embedded broker: it then speaks mqtts')
    .option('--tls-key <file>', 'private key (PEM) of --tls-cert')
    .action((options) => runHq(options).catch(fail));

  // Subcommands read the options of `hq` too (`gymedge hq enrol --unit x --data d`): commander gives an
  // option to the command that defines it, so they are merged here.
  hq.command('enrol')
    .description(
      "Issue a unit's MQTT identity and write its credentials file (username, a random password HQ keeps only as a hash, broker URL, CA when TLS, link key; mode 0600). Enrolling again revokes the old password.",
    )
    .requiredOption('--unit <id>', 'unit id, a slug like sp-paulista')
    .option('--out <file>', "where to write it (default: <data>/<unit>/sync.json, the unit's own folder)")
    .option(
      '--broker-url <url>',
      'the broker as the unit reaches it (default: mqtt://127.0.0.1:$GYMEDGE_MQTT_PORT)',
    )
    .option('--ca <file>', 'CA certificate (PEM) the unit must trust (for mqtts)')
    .action((_options, command: Command) => enrol(command.optsWithGlobals()).catch(fail));

  hq.command('rotate-card-key')
    .description(
      "Start signing members' QR cards with a new chain key; the previous keys stay accepted for printed cards. Enrol each unit again to hand it the new keys.",
    )
    .action((_options, command: Command) => rotateCardKey(command.optsWithGlobals()).catch(fail));

  hq.command('mosquitto')
    .description(
      "Write a Mosquitto 2 configuration for HQ's identities: mosquitto.conf, password_file and acl_file (derived from the sync topic map), max_queued_messages 0. Uses --mqtt-port, --host, --tls-cert and --tls-key of hq.",
    )
    .requiredOption('--out <dir>', 'folder for the files')
    .action((_options, command: Command) => mosquitto(command.optsWithGlobals()).catch(fail));

  hq.command('broker')
    .description(
      "Run only the embedded broker with HQ's identities and ACLs on --mqtt-port (HQ then runs with --broker).",
    )
    .action((_options, command: Command) => brokerOnly(command.optsWithGlobals()).catch(fail));
}

/** HQ as `gymedge demo` runs it: the broker and HQ, each its own process. */
export interface DemoHq {
  readonly url: string;
  readonly brokerUrl: string;
  /** The broker's process id now (it changes when the demo starts it again). */
  brokerPid(): number | undefined;
}

/** How long the demo waits before starting a broker that stopped (so the lag can be seen rising). */
const BROKER_RESTART_MS = 10_000;

function waitFor<T extends { type: string }>(child: ChildProcess, type: T['type'], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message?.type !== type) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code, signal) =>
      reject(new Error(`${what} stopped (${signal ?? `exit code ${code}`}); see the messages above`)),
    );
  });
}

/**
 * Starts the demo's HQ: enrols every demo unit that has no credentials yet (writing `<unit>/sync.json`,
 * so the units sync as soon as they start), then the embedded broker in its own process (stop it with
 * `kill <pid>` to watch the lag rise on the dashboard; the demo starts it again after 10 s), then HQ
 * (API and dashboard) using that broker. HQ is pushed into `children` for the demo to stop; the broker
 * is stopped when the demo process exits, after the others.
 */
export async function startDemoHq(options: {
  readonly dataDir: string;
  /** HQ admin's password; absent: an existing admin keeps theirs. */
  readonly password: string | undefined;
  readonly host: string;
  readonly units: readonly string[];
  readonly children: ChildProcess[];
  readonly stopping: () => boolean;
}): Promise<DemoHq> {
  const hqSync = await loadHq();
  const { GYMEDGE_BIN } = await import('../paths.ts');
  const mqttPort = parsePort(
    process.env.GYMEDGE_MQTT_PORT ?? String(hqSync.MQTT_DEFAULT_PORT),
    'GYMEDGE_MQTT_PORT',
  );
  const hqPort = parsePort(process.env.GYMEDGE_HQ_PORT ?? String(hqSync.HQ_DEFAULT_PORT), 'GYMEDGE_HQ_PORT');
  const brokerUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const registry = hqSync.IdentityRegistry.open(hqSync.localDbPathOf(options.dataDir));
  try {
    for (const unitId of options.units) {
      const file = join(options.dataDir, unitId, hqSync.CREDENTIALS_FILE_NAME);
      if (existsSync(file) && registry.get(unitId) !== undefined) continue;
      const memberCardKeys = hqSync.memberCardKeys(hqSync.hqDirOf(options.dataDir));
      hqSync.writeCredentialsFile(
        file,
        await hqSync.enrolUnit(registry, unitId, { brokerUrl, memberCardKeys }),
      );
    }
  } finally {
    registry.close();
  }
  const env = {
    ...process.env,
    GYMEDGE_DEMO_PASSWORD: options.password ?? '',
    GYMEDGE_LOG_LEVEL: process.env.GYMEDGE_LOG_LEVEL ?? 'warn',
  };
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  let broker: ChildProcess | undefined;
  const startBroker = async (): Promise<void> => {
    const child = fork(
      GYMEDGE_BIN,
      ['hq', 'broker', '--data', options.dataDir, '--mqtt-port', String(mqttPort)],
      { env, stdio },
    );
    broker = child;
    const ready = waitFor<{ type: 'broker-ready'; url: string }>(child, 'broker-ready', 'the MQTT broker');
    child.once('exit', (code, signal) => {
      if (options.stopping()) return;
      process.stdout.write(
        `\n  The MQTT broker stopped (${signal ?? `exit code ${code}`}); units keep working and queue their changes. ` +
          `Starting it again in ${BROKER_RESTART_MS / 1000} s.\n`,
      );
      setTimeout(() => {
        if (options.stopping()) return;
        startBroker().then(
          () => process.stdout.write(`  The MQTT broker is back (pid ${broker?.pid}).\n`),
          (error: unknown) =>
            process.stderr.write(`gymedge: the broker did not start again: ${String(error)}\n`),
        );
      }, BROKER_RESTART_MS).unref();
    });
    await ready;
  };
  // The broker stops last: when the demo exits (after HQ and the units have said goodbye through it).
  process.once('exit', () => broker?.kill('SIGTERM'));
  await startBroker();
  const hq = fork(
    GYMEDGE_BIN,
    [
      'hq',
      '--data',
      options.dataDir,
      '--port',
      String(hqPort),
      '--host',
      options.host,
      '--broker',
      brokerUrl,
    ],
    { env, stdio },
  );
  options.children.push(hq);
  const ready = await waitFor<HqMessage>(hq, 'hq-ready', 'HQ');
  return { url: ready.url, brokerUrl, brokerPid: () => broker?.pid };
}
