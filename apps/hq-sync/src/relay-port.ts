import type { Logger } from 'pino';

/** One unit's sync figures as the relay keeps them. */
export interface RelayUnitStatus {
  readonly unitId: string;
  /** When HQ last received anything from the unit (ISO-8601 UTC). */
  readonly lastSeenAt?: string;
  /** When HQ last committed (and acknowledged) a batch of the unit. */
  readonly lastSyncAt?: string;
  /** Changes the unit holds that HQ has not acknowledged, as the unit last reported. */
  readonly pendingChanges?: number;
  /** Seconds HQ is behind the unit. */
  readonly lagSeconds?: number;
}

/**
 * What HQ's composition root needs of the relay core (`apps/hq-sync/src/relay`, sync engineer A's
 * `Relay`): start, stop, every unit's figures and a `change` event whenever they move.
 */
export interface RelayPort {
  start(): Promise<void>;
  stop(): Promise<void>;
  units(): readonly RelayUnitStatus[];
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
}

/** What the composition root hands the relay when it builds it. */
export interface RelayDeps {
  /** HQ's store, opened by the composition root (the same code a unit opens). */
  readonly hq: import('@gymedge/edge/src/unit-store.ts').UnitStore;
  /** The broker as HQ reaches it, and HQ's own MQTT identity (`hq`; client ids `hq` or `hq.<x>`). */
  readonly brokerUrl: string;
  readonly username: string;
  readonly password: string;
  readonly caPem?: string;
  /** The link key HQ shares with an enrolled unit (unwraps that unit's member keys). */
  readonly linkKeyOf: (unitId: string) => Uint8Array | undefined;
  readonly logger: Logger;
}

export type RelayFactory = (deps: RelayDeps) => RelayPort | Promise<RelayPort>;
