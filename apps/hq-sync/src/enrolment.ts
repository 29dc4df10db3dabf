import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SyncCredentials } from '@gymedge/sync-protocol';
import type { IdentityRegistry } from './broker/identities.ts';

/** Options of {@link enrolUnit}. */
export interface EnrolOptions {
  /** The broker the unit connects to, as the unit reaches it (`mqtt://hq.example:1883`, `mqtts://...`). */
  readonly brokerUrl: string;
  /** The CA certificate (PEM) the unit must trust, when the broker's certificate is from HQ's own CA. */
  readonly caPem?: string;
}

/**
 * Issues a unit's MQTT identity (a new random password, stored at HQ only as a hash, and a new link
 * key) and returns its credentials file. Enrolling a unit again revokes its previous password.
 */
export async function enrolUnit(
  registry: IdentityRegistry,
  unitId: string,
  options: EnrolOptions,
): Promise<SyncCredentials> {
  const issued = await registry.issue({ role: 'unit', unitId });
  if (issued.linkKey === undefined) throw new Error('a unit identity always has a link key');
  return SyncCredentials.parse({
    version: 1,
    unitId,
    brokerUrl: options.brokerUrl,
    username: issued.username,
    password: issued.password,
    ...(options.caPem === undefined ? {} : { caPem: options.caPem }),
    linkKey: issued.linkKey,
    issuedAt: issued.issuedAt,
  });
}

/** Writes a credentials file readable only by its owner (0600), atomically (temporary file, rename). */
export function writeCredentialsFile(path: string, credentials: SyncCredentials): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(SyncCredentials.parse(credentials), null, 2)}\n`, {
    mode: 0o600,
  });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** Reads and validates a credentials file. */
export function readCredentialsFile(path: string): SyncCredentials {
  return SyncCredentials.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** The credentials file's name in a unit's data folder (`<dataDir>/<unit>/sync.json`), where the unit looks. */
export const CREDENTIALS_FILE_NAME = 'sync.json';
