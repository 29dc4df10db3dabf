import type { DocumentId, PaymentDoc } from '@gymedge/crdt-schema';
import type { Statement } from 'better-sqlite3';
import {
  ManualPaymentProvider,
  type OverdueEntry,
  overdueList,
  type PaymentMethod,
  type PaymentProvider,
  type Receipt,
  receiptOf,
} from '../domain/payments.ts';
import { pixPayload } from '../domain/pix.ts';
import { planTerms } from '../domain/plans.ts';
import { InputError, NotFoundError } from './contracts.ts';
import type { OperationsContext } from './operations-context.ts';

/** A Pix charge ready to show as a QR code. */
export interface PixChargeView {
  readonly paymentId: string;
  readonly amountCents: number;
  /** The BR Code payload: encode it as a QR code, or offer it as "Pix copia e cola". */
  readonly payload: string;
  readonly key: string;
}

/** Payments taken by staff, the overdue list, receipts and Pix charges, through a {@link PaymentProvider}. */
export class PaymentService {
  readonly #ctx: OperationsContext;
  readonly #provider: PaymentProvider;
  readonly #byMember: Statement<[string], { doc_id: string }>;
  readonly #pending: Statement<[string], { doc_id: string }>;

  constructor(ctx: OperationsContext, provider?: PaymentProvider) {
    this.#ctx = ctx;
    this.#provider =
      provider ?? new ManualPaymentProvider((request) => this.#pix(request.paymentId, request.amountCents));
    this.#byMember = ctx.unit.db.prepare(
      'SELECT doc_id FROM payment_index WHERE member_id = ? ORDER BY coalesce(paid_at, due_date) DESC LIMIT 200',
    );
    this.#pending = ctx.unit.db.prepare(
      "SELECT doc_id FROM payment_index WHERE status = 'pending' AND due_date < ? ORDER BY due_date LIMIT 2000",
    );
  }

  #doc(id: string): PaymentDoc {
    const doc = this.#ctx.unit.store.get<'payment'>(id);
    if (!doc) throw new NotFoundError(`There is no payment ${id}.`);
    return doc;
  }

  forMember(memberId: string): PaymentDoc[] {
    return this.#byMember
      .all(memberId)
      .map((row) => this.#ctx.unit.store.get<'payment'>(row.doc_id))
      .filter((doc): doc is PaymentDoc => doc !== undefined);
  }

  /** A new charge (a product, a personal-training session). */
  async charge(input: {
    memberId: string;
    amountCents: number;
    service: string;
    dueDate?: string;
  }): Promise<PaymentDoc> {
    if (!this.#ctx.unit.members.get(input.memberId))
      throw new NotFoundError(`There is no member ${input.memberId}.`);
    return this.#ctx.unit.store.create('payment', {
      memberId: input.memberId as DocumentId<'member'>,
      amountCents: input.amountCents,
      currency: 'BRL',
      service: input.service,
      status: 'pending',
      dueDate: input.dueDate ?? this.#ctx.today(),
      timeZone: this.#ctx.timeZone(),
    });
  }

  #pix(paymentId: string, amountCents: number): string {
    const unit = this.#ctx.unitDoc();
    return pixPayload({
      key: this.#ctx.config.pixKey,
      merchantName: this.#ctx.config.pixMerchantName ?? unit?.name ?? 'GymEdge',
      merchantCity: this.#ctx.config.pixMerchantCity ?? unit?.city ?? 'Sao Paulo',
      amountCents,
      txid: paymentId.replace(/^payment:/, '').slice(-25),
    });
  }

  /** The static Pix QR payload of a pending payment (made here, offline). */
  pix(paymentId: string): PixChargeView {
    const payment = this.#doc(paymentId);
    if (payment.status !== 'pending') throw new InputError('This payment is not open.');
    return {
      paymentId,
      amountCents: payment.amountCents,
      payload: this.#pix(paymentId, payment.amountCents),
      key: this.#ctx.config.pixKey,
    };
  }

  /**
   * Staff confirm the money arrived (cash, card machine, Pix seen in the bank app, boleto compensated):
   * the payment becomes paid and a receipt comes back.
   */
  async pay(paymentId: string, method: PaymentMethod): Promise<{ payment: PaymentDoc; receipt: Receipt }> {
    const payment = this.#doc(paymentId);
    if (payment.status === 'paid') throw new InputError('This payment is already paid.');
    if (payment.status !== 'pending') throw new InputError(`This payment is ${payment.status}.`);
    const started = await this.#provider.charge({
      paymentId,
      amountCents: payment.amountCents,
      method,
      description: payment.service,
    });
    const result = started.status === 'pending' ? await this.#provider.confirm(started.reference) : started;
    if (result.status === 'failed') throw new InputError(`The payment failed: ${result.reason}`);
    const { doc } = await this.#ctx.unit.store.update<'payment'>(paymentId, {
      status: 'paid',
      method,
      paidAt: this.#ctx.now().toISOString(),
      gatewayRef: result.reference,
    });
    const name = this.#ctx.unit.members.get(doc.memberId)?.name ?? '';
    const receipt = receiptOf(doc, name, this.#ctx.unitDoc()?.name ?? this.#ctx.unitId);
    if (!receipt) throw new Error('paid payment without receipt');
    return { payment: doc, receipt };
  }

  /** Pending charges past due, most late first, flagged when past the plan's grace days. */
  overdue(today = this.#ctx.today()): OverdueEntry[] {
    const docs = this.#pending
      .all(today)
      .map((row) => this.#ctx.unit.store.get<'payment'>(row.doc_id))
      .filter((doc): doc is PaymentDoc => doc !== undefined);
    const grace = (payment: PaymentDoc) => {
      const membership = payment.membershipId
        ? this.#ctx.unit.store.get<'membership'>(payment.membershipId)
        : undefined;
      const plan = membership ? this.#ctx.unit.store.get<'plan'>(membership.planId) : undefined;
      return plan ? planTerms(plan).graceDays : 5;
    };
    return overdueList(docs, today, grace);
  }
}
