import { createHash, randomBytes } from 'node:crypto';
import { type Algorithm, hash, verify } from '@node-rs/argon2';
import type { Account, AccountDirectory } from '../services/contracts.ts';

/** `Algorithm.Argon2id` (a const enum, which isolated modules cannot read at run time). */
const ARGON2ID: Algorithm = 2;

/**
 * argon2id with the OWASP baseline: 19 MiB of memory, 2 passes, 1 lane; about 20–40 ms on an
 * appliance CPU, which is slow for an attacker and still fine for a sign-in.
 */
export const PASSWORD_HASH_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Longest password accepted: argon2 hashes anything, but a megabyte "password" is an attack. */
export const MAX_PASSWORD_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

/** True when `password` matches `passwordHash`; false (never a throw) for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * A hash of a random password, checked when the login is unknown so that case takes as long as a real
 * one. Made once; call at start-up (the API does, on ready) so the first unknown login is not slower.
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummyHash;
}

/**
 * The password check of a directory that keeps argon2id hashes: an unknown account is checked against the
 * dummy hash, so it takes as long as a known one.
 */
export async function checkPasswordHash(
  passwordHash: string | undefined,
  password: string,
): Promise<boolean> {
  const matches = await verifyPassword(passwordHash ?? (await dummyPasswordHash()), password);
  return passwordHash !== undefined && matches;
}

/** A short fingerprint of a password hash: changes whenever the password does (see `Account.credentialStamp`). */
export function credentialStampOf(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 16);
}

/** May this account act in this unit (its units list holds the unit or `*`)? */
export function mayActIn(account: Account, unitId: string): boolean {
  return account.units.includes('*') || account.units.includes(unitId);
}

/** The outcome of a sign-in; the reasons beyond `invalid` are told only after a correct password. */
export type SignInResult =
  | { readonly ok: true; readonly account: Account }
  | { readonly ok: false; readonly reason: 'invalid' | 'inactive' | 'wrong-unit' };

/**
 * Checks a login and password. Unknown logins and wrong passwords give the same answer after the same
 * work (a dummy hash is verified), so neither the answer nor its timing tells which accounts exist.
 */
export async function signIn(
  accounts: AccountDirectory,
  unitId: string,
  login: string,
  password: string,
): Promise<SignInResult> {
  const account = accounts.findByLogin(login.trim().toLowerCase(), unitId);
  const matches = await accounts.checkPassword(account, password);
  if (account === undefined || !matches) return { ok: false, reason: 'invalid' };
  if (!account.active) return { ok: false, reason: 'inactive' };
  if (!mayActIn(account, unitId)) return { ok: false, reason: 'wrong-unit' };
  return { ok: true, account };
}
