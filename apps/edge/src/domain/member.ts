import { Gender, IsoDate } from '@gymedge/crdt-schema';
import { z } from 'zod';
import { normalizeCpf } from './cpf.ts';
import { digitsOnly } from './text.ts';

/**
 * The rules of a member's personal data, applied at the boundary (API, import). Every string is
 * checked against the characters it may hold, so markup or SQL fragments are refused with a clear
 * message instead of being stored.
 */
export const PersonName = z
  .string()
  .trim()
  .min(2, 'a name needs at least 2 letters')
  .max(120, 'a name has at most 120 characters')
  .regex(
    /^\p{L}[\p{L}\p{M}' .-]*$/u,
    "a name may only hold letters, spaces, apostrophes ('), hyphens (-) and periods (.)",
  )
  .transform((s) => s.replace(/\s+/g, ' '));

export const Email = z
  .email({ message: 'must be an e-mail address like ana@example.com' })
  .max(254)
  .transform((s) => s.toLowerCase());

/** A Brazilian phone: 10 or 11 digits with area code, optionally with +55; kept as E.164. */
export const Phone = z
  .string()
  .trim()
  .regex(/^[+(\d][\d ().-]{7,20}$/, 'must be a phone number like (11) 98765-4321')
  .transform((value, ctx) => {
    let digits = digitsOnly(value);
    if (digits.length >= 12 && digits.startsWith('55')) digits = digits.slice(2);
    if (digits.length !== 10 && digits.length !== 11) {
      ctx.addIssue({
        code: 'custom',
        message: 'must have an area code and 8 or 9 digits, like (11) 98765-4321',
      });
      return z.NEVER;
    }
    return `+55${digits}`;
  });

export const Cpf = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const cpf = normalizeCpf(value);
    if (cpf === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is not a valid CPF (11 digits with valid check digits)' });
      return z.NEVER;
    }
    return cpf;
  });

export const BirthDate = IsoDate.refine(
  (date) => date >= '1900-01-01' && date <= new Date().toISOString().slice(0, 10),
  {
    message: 'must be a real birth date, not in the future',
  },
);

export const MemberCreateInput = z.strictObject({
  name: PersonName,
  email: Email.optional(),
  phone: Phone.optional(),
  document: Cpf.optional().describe('CPF, with or without punctuation'),
  birthDate: BirthDate.optional(),
  gender: Gender.optional(),
  consent: z.strictObject({ marketing: z.boolean(), imageAnalytics: z.boolean() }).partial().optional(),
});
export type MemberCreateInput = z.infer<typeof MemberCreateInput>;

/** A patch: absent fields stay as they are; `null` clears an optional field. */
export const MemberPatchInput = z
  .strictObject({
    name: PersonName,
    email: Email.nullable(),
    phone: Phone.nullable(),
    document: Cpf.nullable(),
    birthDate: BirthDate.nullable(),
    gender: Gender.nullable(),
    status: z.enum(['active', 'inactive']),
    consent: z.strictObject({ marketing: z.boolean(), imageAnalytics: z.boolean() }).partial(),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'a patch must change at least one field' });
export type MemberPatchInput = z.infer<typeof MemberPatchInput>;

/** A member as the API shows it (personal fields decrypted; absent when unknown or erased). */
export const MemberView = z.object({
  id: z.string(),
  unitId: z.string(),
  status: z.enum(['active', 'inactive', 'erased']),
  name: z.string().optional(),
  email: z.string().optional(),
  phone: z.string().optional(),
  document: z.string().optional(),
  birthDate: z.string().optional(),
  gender: Gender.optional(),
  age: z.number().int().optional(),
  externalRef: z.string().optional(),
  signupDate: z.string().optional(),
  region: z.string().optional(),
  consent: z.object({ marketing: z.boolean(), imageAnalytics: z.boolean() }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type MemberView = z.infer<typeof MemberView>;

export const MemberSearchQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .describe('name (any words, prefix), CPF digits, phone digits or e-mail'),
  status: z.enum(['active', 'inactive']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
});
export type MemberSearchQuery = z.infer<typeof MemberSearchQuery>;

export const MemberPage = z.object({
  items: z.array(MemberView),
  nextCursor: z.string().optional().describe('pass as cursor to get the next page; absent on the last page'),
  total: z
    .number()
    .int()
    .describe('members matching the query, counted on the first page (later pages repeat that count)'),
});
export type MemberPage = z.infer<typeof MemberPage>;
