import { z } from 'zod';
import { docIdOf, envelope, Label, UnitId } from '../common.ts';

export const ROLES = ['owner', 'manager', 'staff', 'trainer', 'kiosk', 'member'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/**
 * A person or device that signs in: owners, managers, front-desk staff, trainers, kiosk devices and
 * members with app access. Chain-wide, so a manager can sign in at any unit they are allowed in,
 * offline, once the unit has synced. The password is stored only as an argon2id hash.
 */
export const StaffDoc = z.strictObject({
  ...envelope('staff', 1),
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
  passwordHash: z.string().startsWith('$argon2id$', 'passwords are kept only as argon2id hashes'),
  active: z.boolean(),
  /** For role `member`: the member this account belongs to. */
  memberId: docIdOf('member').optional(),
});
export type StaffDoc = z.infer<typeof StaffDoc>;
