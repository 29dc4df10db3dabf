import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SyncCredentials } from '@gymedge/sync-protocol';
import type { IdentityRegistry } from './broker/identities.ts';

/** Options of {@link enrolUnit}. */
export interface EnrolOptions {
  /** The broker the unit connects to, as the unit reaches it (`mqtt://hq.example:1883`, `mqtts://...`). */
  readonly brokerUrl: string;
  /** The CA certificate (PEM) the unit must trust, when the broker's certificate is from HQ's own CA. */
  readonly caPem?: string;
  /** The chain's member-card keys to give the unit (see {@link memberCardKeys}). */
  readonly memberCardKeys?: readonly MemberCardKey[];
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
    ...(options.memberCardKeys === undefined ? {} : { memberCardKeys: [...options.memberCardKeys] }),
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

/** A chain member-card key: signs the members' QR cards at every unit (credentials' `memberCardKeys`). */
export type MemberCardKey = NonNullable<SyncCredentials['memberCardKeys']>[number];

/** HQ's member-card keys, newest first, in `<hq dir>/member-card-keys.json` (0600). */
export const MEMBER_CARD_KEYS_FILE = 'member-card-keys.json';
const KEPT_CARD_KEYS = 4;

function writeCardKeys(path: string, keys: readonly MemberCardKey[]): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ version: 1, keys }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

function newCardKey(id: string): MemberCardKey {
  return { id, key: randomBytes(32).toString('base64') };
}

/**
 * The chain's member-card keys (newest first), created with a first key `k1` when HQ has none. Every
 * enrolment hands them to the unit, so a member's card is read at every unit of the chain.
 */
export function memberCardKeys(hqDir: string): MemberCardKey[] {
  const path = join(hqDir, MEMBER_CARD_KEYS_FILE);
  if (!existsSync(path)) {
    const first = [newCardKey('k1')];
    writeCardKeys(path, first);
    return first;
  }
  const parsed = SyncCredentials.shape.memberCardKeys.safeParse(
    (JSON.parse(readFileSync(path, 'utf8')) as { keys?: unknown }).keys,
  );
  if (!parsed.success || parsed.data === undefined)
    throw new Error(`${path}: not a member-card key file (${parsed.error?.message ?? 'no keys'})`);
  return parsed.data;
}

/**
 * Rotates the chain's member-card key: a new key signs from now on, the previous ones (up to
 * {@link KEPT_CARD_KEYS} in all) are still accepted for the cards already printed. Units get the new
 * set when they are enrolled again.
 */
export function rotateMemberCardKey(hqDir: string): MemberCardKey[] {
  const current = memberCardKeys(hqDir);
  const next = Math.max(...current.map((k) => Number(/^k(\d+)$/.exec(k.id)?.[1] ?? 0))) + 1;
  const keys = [newCardKey(`k${next}`), ...current].slice(0, KEPT_CARD_KEYS);
  writeCardKeys(join(hqDir, MEMBER_CARD_KEYS_FILE), keys);
  return keys;
}
