import type { PaymentDoc } from '@gymedge/crdt-schema';
import { addDays, daysBetween } from './calendar.ts';

/** How a payment was taken at the desk. */
export type PaymentMethod = NonNullable<PaymentDoc['method']>;

/** One line of the overdue list. */
export interface OverdueEntry {
  readonly paymentId: string;
  readonly memberId: string;
  readonly amountCents: number;
  readonly dueDate: string;
  readonly daysLate: number;
  /** Past the grace days: the member is refused at the door until it is paid. */
  readonly blocked: boolean;
  readonly service: string;
}

/**
 * Pending charges past their due date, most late first. `graceDays(payment)` gives each charge's
 * grace (from its plan).
 */
export function overdueList(
  payments: readonly PaymentDoc[],
  today: string,
  graceDays: (payment: PaymentDoc) => number,
): OverdueEntry[] {
  const out: OverdueEntry[] = [];
  for (const payment of payments) {
    if (payment.status !== 'pending' || payment.dueDate === undefined || payment.dueDate >= today) continue;
    const daysLate = daysBetween(payment.dueDate, today);
    out.push({
      paymentId: payment.id,
      memberId: payment.memberId,
      amountCents: payment.amountCents,
      dueDate: payment.dueDate,
      daysLate,
      blocked: today > addDays(payment.dueDate, graceDays(payment)),
      service: payment.service,
    });
  }
  return out.sort((a, b) => b.daysLate - a.daysLate || a.paymentId.localeCompare(b.paymentId));
}

/** A receipt, as printed or shown after a payment. */
export interface Receipt {
  /** Short, human receipt number derived from the payment id. */
  readonly number: string;
  readonly unitName: string;
  readonly memberName: string;
  readonly service: string;
  readonly amountCents: number;
  readonly method: PaymentMethod;
  readonly paidAt: string;
}

/** The receipt of a paid payment; undefined while it is not paid. */
export function receiptOf(payment: PaymentDoc, memberName: string, unitName: string): Receipt | undefined {
  if (payment.status !== 'paid' || payment.paidAt === undefined || payment.method === undefined)
    return undefined;
  return {
    number: payment.id.slice(-10),
    unitName,
    memberName,
    service: payment.service,
    amountCents: payment.amountCents,
    method: payment.method,
    paidAt: payment.paidAt,
  };
}

/** A charge handed to a payment provider. */
export interface ChargeRequest {
  readonly paymentId: string;
  readonly amountCents: number;
  readonly method: PaymentMethod;
  readonly description: string;
}

/** What a provider says about a charge. */
export type ChargeResult =
  | { readonly status: 'paid'; readonly reference: string }
  | { readonly status: 'pending'; readonly reference: string; readonly pixPayload?: string }
  | { readonly status: 'failed'; readonly reason: string };

/**
 * Where a real payment gateway plugs in (card acquirer, Pix PSP with webhooks, boleto issuer). The unit
 * ships {@link ManualPaymentProvider} only: staff take the money and confirm it.
 */
export interface PaymentProvider {
  readonly name: string;
  /** Starts a charge; a manual provider just records that staff will confirm it. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Staff (or a webhook) confirm that the money arrived. */
  confirm(reference: string): Promise<ChargeResult>;
}

/**
 * Offline, no gateway: cash and card machines are confirmed by staff on the spot; Pix shows a static
 * BR Code (see pix.ts) and staff confirm once the bank app shows the money; boleto waits for staff.
 */
export class ManualPaymentProvider implements PaymentProvider {
  readonly name = 'manual';
  constructor(private readonly pix?: (request: ChargeRequest) => string) {}
  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const reference = `manual-${request.paymentId.slice(-12)}`;
    if (request.method === 'cash' || request.method === 'credit_card' || request.method === 'debit_card')
      return { status: 'paid', reference };
    if (request.method === 'pix' && this.pix)
      return { status: 'pending', reference, pixPayload: this.pix(request) };
    return { status: 'pending', reference };
  }
  async confirm(reference: string): Promise<ChargeResult> {
    return { status: 'paid', reference };
  }
}
