import { z } from 'zod';
import { Cents, Currency, docIdOf, envelope, IsoDate, IsoInstant, Label, TimeZone } from '../common.ts';

export const PaymentMethod = z.enum(['pix', 'credit_card', 'debit_card', 'cash', 'boleto']);
export const PaymentStatus = z.enum(['pending', 'paid', 'failed', 'refunded']);

/** One charge to a member: a monthly fee, a personal-training session, a product. */
export const PaymentDoc = z.strictObject({
  ...envelope('payment', 1),
  memberId: docIdOf('member'),
  membershipId: docIdOf('membership').optional(),
  amountCents: Cents,
  currency: Currency,
  /** What was sold, in the chain's words (`Mensalidade`, `Personal`, `service=Gym` from an import). */
  service: Label(80),
  method: PaymentMethod.optional(),
  status: PaymentStatus,
  dueDate: IsoDate.optional(),
  paidAt: IsoInstant.optional(),
  timeZone: TimeZone,
  refundedAt: IsoInstant.optional(),
  /** The payment gateway's reference, when one took the money. */
  gatewayRef: z.string().max(120).optional(),
});
export type PaymentDoc = z.infer<typeof PaymentDoc>;
