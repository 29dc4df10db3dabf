import { resolve } from 'node:path';
import { UsageError } from './output.ts';

/** The demo chain's units and their default ports. */
export const DEMO_UNITS = [
  { unitId: 'sp-paulista', name: 'GymEdge Paulista', city: 'São Paulo', state: 'SP', port: 8081, seed: 1101 },
  {
    unitId: 'rj-copacabana',
    name: 'GymEdge Copacabana',
    city: 'Rio de Janeiro',
    state: 'RJ',
    port: 8082,
    seed: 2202,
  },
] as const;

export const DEFAULT_TIME_ZONE = 'America/Sao_Paulo';

/** `GYMEDGE_DATA_DIR`, or `.data` in the current folder. */
export function dataDirFrom(option: string | undefined): string {
  return resolve(option ?? process.env.GYMEDGE_DATA_DIR ?? '.data');
}

/** `sp-paulista` → `GYMEDGE_SP_PAULISTA_PORT`. */
export function portEnvName(unitId: string): string {
  return `GYMEDGE_${unitId.toUpperCase().replace(/-/g, '_')}_PORT`;
}

export function parsePort(value: string | undefined, what: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${what} must be a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

export function unitIdFrom(value: string): string {
  if (!/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(value)) {
    throw new UsageError(`--unit must be a lower-case slug like sp-paulista, got ${JSON.stringify(value)}`);
  }
  return value;
}
