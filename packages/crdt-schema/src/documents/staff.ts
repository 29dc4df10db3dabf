import { z } from 'zod';
import { docIdOf, envelope, Label, UnitId } from '../common.ts';

export const ROLES = ['owner', 'manager', 'staff', 'trainer', 'kiosk', 'member'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/**
 * A person or device that signs in: owners, managers, front-desk staff, trainers, kiosk devices and
 * members with app access. Chain-wide (`unitId: 'chain'`, written by HQ) or a unit's own (`unitId` =
 * the unit: its first owner, trainers, kiosk device). The password is kept only as an argon2id hash:
 * on a unit's own account here (that document goes to HQ, never to another unit); a chain-wide
 * account's hash is NOT on this document, which every unit replicates, but on one `credential`
 * document per unit the account may act in (docs/sync.md). v2 made `passwordHash` optional for that;
 * a v1 chain-wide account's hash is moved to credentials by HQ (`ChainStaff.reconcile`).
 */
export const StaffDoc = z.strictObject({
  ...envelope('staff', 2),
  name: Label(),
  login: z
    .string()
    .trim()
    .toLowerCase()
    .min(3)
    .max(120)
    .regex(/^[a-z0-9._@+-]+$/, 'a login is an e-mail or a simple name'),
  role: Role,
  /** Units this account may act in; `['*']` for every unit of the chain. */
  units: z.array(z.union([UnitId, z.literal('*')])).min(1),
  /** A unit's own account's hash (absent on chain-wide accounts: see `CredentialDoc`). */
  passwordHash: z.string().startsWith('$argon2id$', 'passwords are kept only as argon2id hashes').optional(),
  active: z.boolean(),
  /** For role `member`: the member this account belongs to. */
  memberId: docIdOf('member').optional(),
});
export type StaffDoc = z.infer<typeof StaffDoc>;
