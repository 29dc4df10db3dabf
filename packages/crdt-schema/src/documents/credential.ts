import { z } from 'zod';
import { docIdOf, envelope, IsoInstant } from '../common.ts';

/**
 * The password of a chain-wide account (a staff document with `unitId: 'chain'`) at one unit: HQ writes
 * one per unit the account may act in, with that unit as `unitId`, so the hash travels down that unit's
 * own stream and no other unit ever holds it (docs/sync.md, _What goes where_). Without `passwordHash`
 * (the account no longer acts there, or its password was revoked) it signs nobody in.
 */
export const CredentialDoc = z.strictObject({
  ...envelope('credential', 1),
  staffId: docIdOf('staff'),
  passwordHash: z.string().startsWith('$argon2id$', 'passwords are kept only as argon2id hashes').optional(),
  /** When HQ last set the password. */
  setAt: IsoInstant,
});
export type CredentialDoc = z.infer<typeof CredentialDoc>;
