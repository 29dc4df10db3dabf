import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { silentLogger } from '@gymedge/edge/src/lib/logger.ts';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { startEmbeddedBroker, type TlsMaterial } from '../../src/broker/embedded-broker.ts';
import type { IdentityRegistry } from '../../src/broker/identities.ts';
import { startMosquitto, writeMosquittoConfig } from '../../src/broker/mosquitto.ts';

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when the `mosquitto` binary is on the PATH (CI installs it; see .ci/run). */
export function hasMosquitto(): boolean {
  try {
    execFileSync('mosquitto', ['-h'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // `mosquitto -h` exits with 3 after printing its usage: installed.
    return typeof error === 'object' && error !== null && 'status' in error && error.status === 3;
  }
}

/** A broker a test runs against, started with HQ's identity registry. */
export interface RunningBroker {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface BrokerKind {
  readonly name: 'aedes' | 'mosquitto';
  start(
    registry: IdentityRegistry,
    dir: string,
    tls?: TlsMaterial & { certFile: string; keyFile: string },
  ): Promise<RunningBroker>;
}

export const AEDES: BrokerKind = {
  name: 'aedes',
  start: async (registry, _dir, tls) => {
    const broker = await startEmbeddedBroker({
      identities: registry,
      logger: silentLogger(),
      port: 0,
      ...(tls ? { tls } : {}),
    });
    return broker;
  },
};

export const MOSQUITTO: BrokerKind = {
  name: 'mosquitto',
  start: async (registry, dir, tls) => {
    const port = await freePort();
    const files = writeMosquittoConfig({
      dir: join(dir, 'mosquitto'),
      registry,
      port,
      ...(tls ? { tls: { certFile: tls.certFile, keyFile: tls.keyFile } } : {}),
    });
    const process = await startMosquitto(files, port);
    return { url: `${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`, port, stop: () => process.stop() };
  },
};

/** Connects (no reconnects), resolving with the client or rejecting with the broker's refusal. */
export function connectClient(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => {
      if (!client.connected) reject(new Error('connection closed before CONNACK'));
    });
  });
}

/** Every message a client receives, in order. */
export function collect(client: MqttClient): { topic: string; payload: string }[] {
  const seen: { topic: string; payload: string }[] = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString('utf8') }));
  return seen;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
