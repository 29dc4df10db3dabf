import type { RelayFactory } from './relay-port.ts';

/**
 * The relay `gymedge hq` runs: the relay core of `./relay/` once it is there. Until then HQ runs its
 * broker, API and dashboard without relaying (the dashboard says `relay: not_available`).
 */
export async function defaultRelay(): Promise<RelayFactory | undefined> {
  return undefined;
}
