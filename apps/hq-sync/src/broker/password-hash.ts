import { execFile } from 'node:child_process';
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Broker passwords are stored in Mosquitto's own format, PBKDF2-SHA512 (`$7$<iterations>$<salt>$<hash>`),
 * so one stored hash serves both brokers: Mosquitto reads it from its `password_file`, and the embedded
 * Aedes broker checks it here. The passwords are 32 random bytes, so the iteration count protects little
 * and costs each connect; Mosquitto's default (101) is kept.
 */
export const MOSQUITTO_HASH = /^\$7\$(\d{1,7})\$([A-Za-z0-9+/=]{8,64})\$([A-Za-z0-9+/=]{80,100})$/;

const ITERATIONS = 101;
const run = promisify(execFile);

/** Hashes a password as `mosquitto_passwd` does, without it. */
export function hashBrokerPassword(password: string, iterations = ITERATIONS): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `password` matches a `$7$` hash; false for any other or malformed hash. */
export function verifyBrokerPassword(stored: string, password: string): boolean {
  const parts = MOSQUITTO_HASH.exec(stored);
  if (parts === null) return false;
  const [, iterations, salt, hash] = parts;
  const expected = Buffer.from(hash ?? '', 'base64');
  if (expected.length !== 64) return false;
  const actual = pbkdf2Sync(password, Buffer.from(salt ?? '', 'base64'), Number(iterations), 64, 'sha512');
  return timingSafeEqual(actual, expected);
}

/**
 * Hashes with the real `mosquitto_passwd` (through a private temporary plain file and `-U`, so the
 * password never appears on a command line); `undefined` when the tool is not installed.
 */
export async function hashWithMosquittoPasswd(
  username: string,
  password: string,
): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'gymedge-passwd-'));
  const file = join(dir, 'passwd');
  try {
    writeFileSync(file, `${username}:${password}\n`, { mode: 0o600 });
    await run('mosquitto_passwd', ['-U', file], { timeout: 10_000 });
    const line = readFileSync(file, 'utf8').trim();
    const hash = line.slice(username.length + 1);
    return line.startsWith(`${username}:`) && MOSQUITTO_HASH.test(hash) ? hash : undefined;
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
