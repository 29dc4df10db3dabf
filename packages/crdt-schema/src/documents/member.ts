import { z } from 'zod';
import { envelope, IsoDate, IsoInstant, Sealed } from '../common.ts';

/**
 * The personal fields of a member. In the document each one is sealed separately (AES-256-GCM with
 * a key of that member's own, kept outside the CRDT), so two units can edit different fields at once
 * and erasure is real: destroying the key makes every copy of every past value unreadable, although
 * Automerge history itself is immutable.
 */
export const PII_FIELDS = [
  'name',
  'email',
  'phone',
  'document',
  'birthDate',
  'gender',
  'age',
  'externalRef',
] as const;
export type PiiField = (typeof PII_FIELDS)[number];

export const Gender = z.enum(['female', 'male', 'other', 'undisclosed']);
export type Gender = z.infer<typeof Gender>;

export const MemberStatus = z.enum(['active', 'inactive', 'erased']);

export const MemberDoc = z.strictObject({
  ...envelope('member', 2),
  status: MemberStatus,
  /** When the member first joined the chain (from the chain's own records when imported). */
  signupDate: IsoDate.optional(),
  region: z.string().max(80).optional(),
  /** Historical churn label from an import (`churn` column); used by analytics, never shown to members. */
  churned: z.boolean().optional(),
  consent: z.strictObject({
    /** May the chain send offers? */
    marketing: z.boolean(),
    /** May anonymous pose/flow analytics be kept against this member's visits? */
    imageAnalytics: z.boolean(),
  }),
  pii: z.strictObject({
    name: Sealed.optional(),
    email: Sealed.optional(),
    phone: Sealed.optional(),
    document: Sealed.optional(),
    birthDate: Sealed.optional(),
    gender: Sealed.optional(),
    age: Sealed.optional(),
    externalRef: Sealed.optional(),
  }),
  erasedAt: IsoInstant.optional(),
});
export type MemberDoc = z.infer<typeof MemberDoc>;
