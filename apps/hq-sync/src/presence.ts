import { EventEmitter } from 'node:events';
import { decode, TOPICS } from '@gymedge/sync-protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

/** What HQ last heard of a unit's presence (its retained `.../state` and its last will). */
export interface UnitPresence {
  readonly unitId: string;
  readonly state: 'online' | 'offline';
  /** When the unit said so (its clock). */
  readonly at: string;
  /** When HQ received it (HQ's clock). */
  readonly receivedAt: string;
  readonly version?: string;
}

/** Options of {@link PresenceMonitor}. */
export interface PresenceOptions {
  readonly brokerUrl: string;
  readonly username: string;
  readonly password: string;
  readonly caPem?: string;
  readonly logger: Logger;
}

/**
 * Watches the broker for the dashboard: whether HQ reaches it (broker health) and every unit's retained
 * presence topic. It is a second, read-only connection of the HQ identity (`hq.monitor`), so the broker's
 * health shows even while the relay is busy or stopped. Emits `change` on every difference.
 */
export class PresenceMonitor extends EventEmitter<{ change: [] }> {
  readonly #options: PresenceOptions;
  readonly #units = new Map<string, UnitPresence>();
  #client: MqttClient | undefined;
  #connected = false;
  #since = new Date().toISOString();
  #lastError: string | undefined;

  constructor(options: PresenceOptions) {
    super();
    this.#options = options;
  }

  start(): void {
    const log = this.#options.logger.child({ module: 'presence' });
    const options: IClientOptions = {
      username: this.#options.username,
      password: this.#options.password,
      clientId: `${this.#options.username}.monitor`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      ...(this.#options.caPem === undefined ? {} : { ca: this.#options.caPem }),
    };
    const client = mqtt.connect(this.#options.brokerUrl, options);
    this.#client = client;
    client.on('connect', () => {
      this.#connected = true;
      this.#since = new Date().toISOString();
      this.#lastError = undefined;
      log.info({ url: this.#options.brokerUrl }, 'HQ reaches the broker');
      client.subscribe(TOPICS.unitState.pattern.replace('{unit}', '+'), { qos: 1 });
      this.emit('change');
    });
    client.on('close', () => {
      if (this.#connected) {
        this.#connected = false;
        this.#since = new Date().toISOString();
        log.warn({ url: this.#options.brokerUrl }, 'HQ lost the broker');
        this.emit('change');
      }
    });
    client.on('error', (error) => {
      this.#lastError = error.message;
    });
    client.on('message', (_topic, payload) => {
      const decoded = decode('unitState', payload);
      if (!decoded.ok) {
        log.warn({ reason: decoded.reason }, 'unreadable unit state ignored');
        return;
      }
      const state = decoded.value;
      this.#units.set(state.unitId, {
        unitId: state.unitId,
        state: state.state,
        at: state.at,
        receivedAt: new Date().toISOString(),
        ...(state.version === undefined ? {} : { version: state.version }),
      });
      this.emit('change');
    });
  }

  /** Is HQ connected to the broker, since when, and the last connection error. */
  broker(): { readonly connected: boolean; readonly since: string; readonly lastError?: string } {
    return {
      connected: this.#connected,
      since: this.#since,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  units(): UnitPresence[] {
    return [...this.#units.values()].sort((a, b) => a.unitId.localeCompare(b.unitId));
  }

  async stop(): Promise<void> {
    await this.#client?.endAsync(true);
    this.#client = undefined;
  }
}
