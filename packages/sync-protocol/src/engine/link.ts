import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export interface MqttLinkOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  /** CA certificate (PEM) for mqtts with HQ's own CA. */
  readonly caPem?: string;
  /** Retained last will: what the broker publishes if this link dies without saying goodbye. */
  readonly will: { readonly topic: string; readonly payload: Buffer };
  /** Topic filters to subscribe to (QoS 1) on every connection. */
  readonly subscriptions: readonly string[];
  /**
   * MQTT 5 by default (session expiry, user properties); a broker that refuses it (Aedes) gets MQTT
   * 3.1.1 with the same persistent session (`clean: false`).
   */
  readonly protocolVersion?: 4 | 5;
  /** How long the broker keeps this session (and queues QoS 1 messages) while the link is down. */
  readonly sessionExpirySeconds?: number;
  /** Reconnect backoff: full jitter between `minBackoffMs` and an exponentially growing cap. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly logger: Logger;
}

export interface MqttLinkEvents {
  up: [];
  down: [reason: string];
  message: [topic: string, payload: Buffer];
}

/**
 * One persistent MQTT connection with reconnection by exponential backoff with full jitter, a retained
 * last will, QoS 1 subscriptions renewed on every connection and MQTT 5 with a fallback to 3.1.1.
 * Publishing while down fails fast (the caller resends from its durable position once `up` fires).
 */
export class MqttLink extends EventEmitter<MqttLinkEvents> {
  readonly #options: MqttLinkOptions;
  readonly #log: Logger;
  #client: MqttClient | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #connected = false;
  #version: 4 | 5;
  /** Largest packet the broker accepts (MQTT 5 CONNACK), if it said. */
  maxPacketSize: number | undefined;

  constructor(options: MqttLinkOptions) {
    super();
    this.#options = options;
    this.#log = options.logger.child({ module: 'mqtt' });
    this.#version = options.protocolVersion ?? 5;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get protocolVersion(): 4 | 5 {
    return this.#version;
  }

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  #clientOptions(): IClientOptions {
    const o = this.#options;
    return {
      clientId: o.clientId,
      username: o.username,
      password: o.password,
      clean: false,
      protocolVersion: this.#version,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 15,
      resubscribe: false,
      ...(o.caPem === undefined ? {} : { ca: o.caPem, rejectUnauthorized: true }),
      ...(this.#version === 5
        ? { properties: { sessionExpiryInterval: o.sessionExpirySeconds ?? 7 * 24 * 3600 } }
        : {}),
      will: { topic: o.will.topic, payload: o.will.payload, qos: 1, retain: true },
    };
  }

  #open(): void {
    if (this.#stopped) return;
    const client = mqtt.connect(this.#options.url, this.#clientOptions());
    this.#client = client;
    client.on('connect', (connack) => {
      this.#attempt = 0;
      this.maxPacketSize = connack.properties?.maximumPacketSize;
      client.subscribe([...this.#options.subscriptions], { qos: 1 }, (error, granted) => {
        if (error !== null && error !== undefined) {
          this.#log.warn({ err: error }, 'subscribe failed');
          client.end(true);
          return;
        }
        const refused = (granted ?? []).filter((g) => g.qos > 2);
        if (refused.length > 0)
          this.#log.warn({ refused: refused.map((g) => g.topic) }, 'subscriptions refused');
        this.#connected = true;
        this.emit('up');
      });
    });
    client.on('message', (topic, payload) => this.emit('message', topic, payload));
    client.on('error', (error) => {
      const text = error instanceof Error ? error.message : String(error);
      if (this.#version === 5 && /protocol version/i.test(text)) {
        this.#log.info('broker refused MQTT 5; using MQTT 3.1.1');
        this.#version = 4;
        this.#attempt = 0;
      } else this.#log.warn({ err: text }, 'mqtt error');
    });
    client.on('close', () => {
      const was = this.#connected;
      this.#connected = false;
      if (was) this.emit('down', 'connection closed');
      if (this.#client !== client) return;
      client.removeAllListeners();
      client.on('error', () => {});
      client.end(true);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    const min = this.#options.minBackoffMs ?? 250;
    const max = this.#options.maxBackoffMs ?? 15_000;
    const cap = Math.min(max, min * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 20);
    const delay = min + Math.random() * Math.max(0, cap - min);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#open();
    }, delay);
    this.#timer.unref();
  }

  /** Publishes at QoS 1; resolves on PUBACK, rejects when not connected or after 15 s without PUBACK. */
  publish(topic: string, payload: Buffer, retain = false): Promise<void> {
    const client = this.#client;
    if (client === undefined || !this.#connected) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no PUBACK in 15 s')), 15_000);
      timer.unref();
      client.publish(topic, payload, { qos: 1, retain }, (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
    });
  }

  /**
   * Closes the link. `graceful` publishes `goodbye` (the retained offline state) first, so the broker
   * does not need the last will; otherwise the will fires.
   */
  async stop(goodbye?: { topic: string; payload: Buffer }): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    if (goodbye !== undefined && this.#connected) {
      await Promise.race([
        new Promise<void>((resolve) =>
          client.publish(goodbye.topic, goodbye.payload, { qos: 1, retain: true }, () => resolve()),
        ),
        new Promise<void>((resolve) => setTimeout(resolve, 1000)),
      ]);
    }
    this.#connected = false;
    client.removeAllListeners();
    client.on('error', () => {});
    await new Promise<void>((resolve) => client.end(goodbye === undefined, {}, () => resolve()));
  }
}
