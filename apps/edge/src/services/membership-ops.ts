import type { DocumentId, MembershipDoc, PaymentDoc, PlanDoc } from '@gymedge/crdt-schema';
import type { Statement } from 'better-sqlite3';
import {
  creditsLeft,
  type MembershipStatus,
  membershipState,
  type OpenCharge,
  planFreeze,
  renewal,
  termStart,
} from '../domain/memberships.ts';
import { type PlanTerms, planTerms, saleCharges, soldAt, termEnd } from '../domain/plans.ts';
import type { Actor } from './contracts.ts';
import { ConflictError, InputError, NotFoundError } from './contracts.ts';
import { entryKey, type OperationsContext } from './operations-context.ts';

/** A membership with what it means today. */
export interface MembershipView {
  readonly id: string;
  readonly memberId: string;
  readonly planId: string;
  readonly planName: string;
  readonly kind: PlanTerms['kind'];
  readonly startDate: string;
  readonly endDate?: string;
  readonly priceCents: number;
  readonly autoRenew: boolean;
  readonly status: MembershipStatus;
  readonly creditsLeft?: number;
  readonly access: 'home' | 'all';
  readonly unitId: string;
  readonly freezes: ReadonlyArray<{ from: string; until: string }>;
}

/**
 * Plans, memberships and their states. Reads documents through the store and the read models; every
 * write goes through the store, validated against the schema.
 */
export class MembershipOps {
  readonly #ctx: OperationsContext;
  readonly #byMember: Statement<[string], { doc_id: string }>;
  readonly #open: Statement<[string], { due_date: string | null; amount_cents: number }>;

  constructor(ctx: OperationsContext) {
    this.#ctx = ctx;
    const db = ctx.unit.db;
    this.#byMember = db.prepare(
      'SELECT doc_id FROM membership_index WHERE member_id = ? ORDER BY start_date DESC',
    );
    this.#open = db.prepare(
      "SELECT due_date, amount_cents FROM payment_index WHERE membership_id = ? AND status = 'pending'",
    );
  }

  plans(includeInactive = false): PlanDoc[] {
    const plans: PlanDoc[] = [];
    for (const id of this.#ctx.unit.store.idsOfType('plan')) {
      const plan = this.#ctx.unit.store.get<'plan'>(id);
      if (plan && (includeInactive || plan.active) && soldAt(planTerms(plan), this.#ctx.unitId))
        plans.push(plan);
    }
    return plans.sort((a, b) => a.priceCents - b.priceCents || a.name.localeCompare(b.name));
  }

  plan(id: string): PlanDoc {
    const plan = this.#ctx.unit.store.get<'plan'>(id);
    if (!plan) throw new NotFoundError(`There is no plan ${id}.`);
    return plan;
  }

  openCharges(membershipId: string): OpenCharge[] {
    return this.#open
      .all(membershipId)
      .map((row) => ({ amountCents: row.amount_cents, ...(row.due_date ? { dueDate: row.due_date } : {}) }));
  }

  /** The member's memberships as documents, newest start first. */
  documentsOf(memberId: string): MembershipDoc[] {
    const out: MembershipDoc[] = [];
    for (const row of this.#byMember.all(memberId)) {
      const doc = this.#ctx.unit.store.get<'membership'>(row.doc_id);
      if (doc) out.push(doc);
    }
    return out;
  }

  view(m: MembershipDoc, today = this.#ctx.today()): MembershipView {
    const plan = this.#ctx.unit.store.get<'plan'>(m.planId);
    const terms = this.termsOf(m);
    const credits = creditsLeft(m, terms, today);
    return {
      id: m.id,
      memberId: m.memberId,
      planId: m.planId,
      planName: plan?.name ?? m.planId,
      kind: terms.kind,
      startDate: m.startDate,
      ...(m.endDate ? { endDate: m.endDate } : {}),
      priceCents: m.priceCents,
      autoRenew: m.autoRenew,
      status: membershipState(m, terms, this.openCharges(m.id), today),
      ...(credits === undefined ? {} : { creditsLeft: credits }),
      access: terms.access,
      unitId: m.unitId,
      freezes: Object.values(m.freezes ?? {}).map(({ from, until }) => ({ from, until })),
    };
  }

  viewsOf(memberId: string, today = this.#ctx.today()): MembershipView[] {
    return this.documentsOf(memberId).map((m) => this.view(m, today));
  }

  /** Terms of a membership's plan (v1 defaults if the plan is gone). */
  termsOf(m: MembershipDoc): PlanTerms {
    const plan = this.#ctx.unit.store.get<'plan'>(m.planId);
    return plan
      ? planTerms(plan)
      : {
          kind: 'recurring',
          termMonths: 1,
          priceCents: m.priceCents,
          enrolmentFeeCents: 0,
          graceDays: 5,
          soldAt: 'all',
          access: 'home',
        };
  }

  /**
   * Sells a plan: the membership (from `startDate`, default today) and its first charges (enrolment
   * fee, first term) as pending payments, all written at once.
   */
  async sell(input: { memberId: string; planId: string; startDate?: string }, actor: Actor) {
    const member = this.#ctx.unit.members.get(input.memberId);
    if (!member || member.status === 'erased')
      throw new NotFoundError(`There is no member ${input.memberId}.`);
    const plan = this.plan(input.planId);
    const terms = planTerms(plan);
    if (!plan.active) throw new InputError(`The plan ${plan.name} is no longer sold.`);
    if (!soldAt(terms, this.#ctx.unitId))
      throw new InputError(`The plan ${plan.name} is not sold at this unit.`);
    const startDate = input.startDate ?? this.#ctx.today();
    const running = this.viewsOf(input.memberId).find(
      (m) =>
        m.planId === plan.id &&
        (m.status.state === 'active' || m.status.state === 'overdue' || m.status.state === 'not_started'),
    );
    if (running) throw new ConflictError(`The member already has a running ${plan.name} membership.`);
    const store = this.#ctx.unit.store;
    const membership = store.create('membership', {
      memberId: input.memberId as DocumentId<'member'>,
      planId: plan.id,
      status: 'active',
      startDate,
      endDate: termEnd(startDate, terms),
      priceCents: plan.priceCents,
      autoRenew: terms.kind === 'recurring',
      ...(terms.credits === undefined ? {} : { creditsPerTerm: terms.credits }),
    });
    const created = await membership;
    const payments = await Promise.all(
      saleCharges(plan, startDate).map((charge) =>
        store.create('payment', {
          memberId: input.memberId as DocumentId<'member'>,
          membershipId: created.id,
          amountCents: charge.amountCents,
          currency: 'BRL',
          service: charge.service,
          status: 'pending',
          dueDate: charge.dueDate,
          timeZone: this.#ctx.timeZone(),
        }),
      ),
    );
    this.#ctx.logger.info({ membershipId: created.id, plan: plan.id, actor: actor.id }, 'membership sold');
    return { membership: this.view(created), payments };
  }

  #doc(id: string): MembershipDoc {
    const doc = this.#ctx.unit.store.get<'membership'>(id);
    if (!doc) throw new NotFoundError(`There is no membership ${id}.`);
    return doc;
  }

  async freeze(id: string, input: { from: string; until: string }): Promise<MembershipView> {
    const doc = this.#doc(id);
    const decision = planFreeze(
      doc,
      this.termsOf(doc),
      { ...input, key: entryKey(), at: this.#ctx.now().toISOString() },
      this.#ctx.today(),
    );
    if (!decision.ok) throw new InputError(decision.detail);
    const result = await this.#ctx.unit.store.update<'membership'>(id, decision.patch);
    return this.view(result.doc);
  }

  /** Cancels at the end of the term already paid (the member keeps entering until then). */
  async cancel(id: string, reason?: string): Promise<MembershipView> {
    const doc = this.#doc(id);
    if (doc.status === 'cancelled') return this.view(doc);
    const result = await this.#ctx.unit.store.update<'membership'>(id, {
      status: 'cancelled',
      autoRenew: false,
      cancelledAt: this.#ctx.now().toISOString(),
      ...(reason ? { cancelReason: reason } : {}),
    });
    return this.view(result.doc);
  }

  /** One more term, with its charge due on the first day of that term. */
  async renew(id: string): Promise<{ membership: MembershipView; payment: PaymentDoc }> {
    const doc = this.#doc(id);
    if (doc.status === 'cancelled')
      throw new InputError('A cancelled membership cannot be renewed; sell a new one.');
    const next = renewal(doc, this.termsOf(doc));
    if (!next) throw new InputError('A class pack is not renewed: sell a new pack.');
    const today = this.#ctx.today();
    const lastDay = doc.endDate ?? doc.startDate;
    // Strings compare as dates: the charge is due at the end of the term, never in the past.
    const due = [lastDay, today].sort()[1] ?? today;
    const store = this.#ctx.unit.store;
    const updated = store.update<'membership'>(id, next);
    const payment = store.create('payment', {
      memberId: doc.memberId,
      membershipId: doc.id,
      amountCents: doc.priceCents,
      currency: 'BRL',
      service:
        this.termsOf(doc).kind === 'recurring'
          ? (this.#ctx.unit.store.get<'plan'>(doc.planId)?.name ?? 'Mensalidade')
          : 'Pacote',
      status: 'pending',
      dueDate: due,
      timeZone: this.#ctx.timeZone(),
    });
    const [u, p] = await Promise.all([updated, payment]);
    return { membership: this.view(u.doc), payment: p };
  }

  /** First day of the term a class on `day` counts against. */
  termFor(m: MembershipDoc, day: string): string {
    return termStart(m, this.termsOf(m), day);
  }
}
