import { randomBytes } from 'node:crypto';
import { newDocId } from '@gymedge/crdt-schema';
import type { DocumentStore } from '@gymedge/store';
import type { AccountDirectory } from '../services/contracts.ts';
import { hashPassword, mayActIn } from './auth.ts';

/** What the bootstrap needs of the unit: its documents and who can sign in. */
export interface BootstrapTarget {
  readonly store: DocumentStore;
  readonly accounts: AccountDirectory & {
    /** Whether an active account with this role may act at `unitId` (see AccountProjection). */
    hasActiveAt(role: 'owner', unitId: string): boolean;
  };
}

/** What the start did about the first owner account. */
export type BootstrapOutcome =
  | { readonly kind: 'created'; readonly login: string; readonly password: string }
  /** An owner exists; the password given (GYMEDGE_ADMIN_PASSWORD) is that owner's. */
  | { readonly kind: 'kept' }
  /** An owner exists and the password given is NOT its password: it was not applied (say so). */
  | { readonly kind: 'password-ignored'; readonly login: string };

/** The first free login of `admin`, `admin-2`, `admin-3`… among active accounts that may act here. */
function freeLogin(accounts: AccountDirectory, unitId: string): string {
  for (let n = 1; n < 100; n++) {
    const login = n === 1 ? 'admin' : `admin-${n}`;
    const taken = accounts.findByLogin(login, unitId);
    if (taken === undefined || !taken.active || !mayActIn(taken, unitId)) return login;
  }
  throw new Error('no free admin login: more than 99 accounts are called admin');
}

/**
 * A unit with no active owner who may act there gets one, with the given password or a generated one
 * that is returned once for the operator to note. The account has a random id and acts only at this
 * unit, so two units' first owners never merge into one document (which left one unit's password
 * unusable), and a deactivated first owner never blocks a start: a new one is made beside it.
 */
export async function ensureOwnerAccount(
  unit: BootstrapTarget,
  unitId: string,
  password?: string,
): Promise<BootstrapOutcome> {
  if (unit.accounts.hasActiveAt('owner', unitId)) {
    if (password === undefined) return { kind: 'kept' };
    const admin = unit.accounts.findByLogin('admin', unitId);
    if (admin === undefined || !admin.active) return { kind: 'kept' };
    const matches = await unit.accounts.checkPassword(admin, password);
    return matches ? { kind: 'kept' } : { kind: 'password-ignored', login: admin.login };
  }
  const clear = password ?? randomBytes(12).toString('base64url');
  const login = freeLogin(unit.accounts, unitId);
  await unit.store.create(
    'staff',
    {
      name: 'Administrador',
      login,
      role: 'owner',
      units: [unitId],
      passwordHash: await hashPassword(clear),
      active: true,
    },
    // The unit's own account (`unitId` = the unit): chain-wide accounts are HQ's to write (docs/sync.md).
    { id: newDocId('staff'), unitId },
  );
  return { kind: 'created', login, password: clear };
}
