import { z } from 'zod';
import { docIdOf, envelope, IsoDate, IsoInstant, Label, Sealed, UnitId } from '../common.ts';
import { MemberStatus } from './member.ts';
import { MembershipStatus } from './membership.ts';

/** A hex HMAC-SHA256 (64 characters): a look-up key, never a value that can be read back. */
const LookupHash = z.string().regex(/^[0-9a-f]{64}$/, 'a look-up hash is 64 hex characters');

/**
 * One membership of a visiting member, as another unit needs it to decide a check-in offline: the
 * dates and the plan's terms it depends on, never prices or payments. The unit computes the state of
 * the day from them (active, frozen, overdue within grace, expired) with the same rule as at home.
 */
export const DirectoryMembership = z.strictObject({
  planId: docIdOf('plan'),
  planName: Label(80),
  /** `all`: the plan lets the member in at every unit; `home`: only at the unit that sold it. */
  access: z.enum(['home', 'all']),
  status: MembershipStatus,
  startDate: IsoDate,
  endDate: IsoDate.optional(),
  frozenUntil: IsoDate.optional(),
  /** Freezes taken (`from`..`until`, inclusive), keyed as on the membership. */
  freezes: z.record(z.string().max(64), z.strictObject({ from: IsoDate, until: IsoDate })).optional(),
  /** Oldest due date of a charge still unpaid, if any (the member is overdue from the next day). */
  unpaidSince: IsoDate.optional(),
  /** The plan's grace days after a missed due date. */
  graceDays: z.number().int().min(0).max(60),
});
export type DirectoryMembership = z.infer<typeof DirectoryMembership>;

/**
 * The member directory (docs/sync.md, _What goes where_): what unit `unitId` needs so that a member of
 * another unit (`homeUnitId`) can check in there offline. HQ writes it, one document per member and
 * unit it goes to (`unitId` is the unit that reads it, so it travels down that unit's own stream only):
 *
 * - `lookup`: HMAC-SHA256 of the CPF and of the member card under a key only that unit and HQ hold
 *   (derived from the unit's link key), so the kiosk finds the member by an exact value, offline;
 * - `pii`: the member's name and CPF as the member document seals them (the same bytes, AES-256-GCM
 *   under the member's own key), present only when a plan of the member lets them in here; the member's
 *   key then travels wrapped with the unit's link key;
 * - `memberships`: what the check-in decision needs, keyed by membership id.
 *
 * Every nested object exists from the first change (HQ is the only writer), so no replica ever creates
 * one. An erasure anywhere empties `lookup`, `pii` and `memberships` and sets `status: erased`; the unit
 * that applies it destroys its copy of the member's key in the same transaction.
 */
export const DirectoryDoc = z.strictObject({
  ...envelope('directory', 1),
  memberId: docIdOf('member'),
  homeUnitId: UnitId,
  status: MemberStatus,
  lookup: z.strictObject({
    /** Which key the hashes were made with (changes when the unit is enrolled again). */
    keyId: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .optional(),
    document: LookupHash.optional(),
    card: LookupHash.optional(),
  }),
  pii: z.strictObject({
    name: Sealed.optional(),
    document: Sealed.optional(),
  }),
  memberships: z.record(docIdOf('membership'), DirectoryMembership),
  erasedAt: IsoInstant.optional(),
});
export type DirectoryDoc = z.infer<typeof DirectoryDoc>;
