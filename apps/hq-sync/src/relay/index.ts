/** HQ's relay core: see relay.ts (the `Relay`) and hq-store.ts (HQ's store of every unit). */
export * from './hq-store.ts';
export * from './relay.ts';
