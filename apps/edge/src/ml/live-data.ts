/**
 * The unit's own data as pipeline input: members (member_index), memberships and plans, payments
 * (with due dates, for payment delays) and check-ins (the append-only `checkins` table). Only
 * projection and record tables are read: no document is loaded, no personal field is decrypted
 * (age, gender and region are the projection's clear columns).
 */
import type { ActivityInput, CleanData, CustomerInput } from '@gymedge/ml';
import { cleanData } from '@gymedge/ml';
import type { Database } from 'better-sqlite3';

const MONTHS: Record<string, number> = { monthly: 1, quarterly: 3, semiannual: 6, annual: 12 };

function tableExists(db: Database, name: string): boolean {
  return (
    db
      .prepare<[string], { n: number }>(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
      )
      .get(name)?.n === 1
  );
}

/** Reads and cleans the unit's members and their history up to `today`. */
export function readUnitData(db: Database, today = new Date().toISOString().slice(0, 10)): CleanData {
  const customers: CustomerInput[] = [];
  const members = db
    .prepare<
      [],
      {
        doc_id: string;
        age: number | null;
        gender: string | null;
        signup_date: string | null;
        region: string | null;
        created_at: string;
        status: string;
      }
    >('SELECT doc_id, age, gender, signup_date, region, created_at, status FROM member_index')
    .all();
  const plan = new Map<string, { plan: string; months: number }>();
  if (tableExists(db, 'membership_index') && tableExists(db, 'plan_index')) {
    const rows = db
      .prepare<[], { member_id: string; name: string; billing_period: string; start_date: string }>(
        `SELECT m.member_id, p.name, p.billing_period, m.start_date FROM membership_index m JOIN plan_index p ON p.doc_id = m.plan_id
         ORDER BY m.start_date`,
      )
      .all();
    for (const r of rows) plan.set(r.member_id, { plan: r.name, months: MONTHS[r.billing_period] ?? 1 });
  }
  for (const m of members) {
    const c: CustomerInput = { id: m.doc_id };
    if (m.age !== null) c.age = m.age;
    if (m.gender !== null) c.gender = m.gender;
    c.signupDate = (m.signup_date ?? m.created_at).slice(0, 10);
    if (m.region !== null) c.region = m.region;
    const p = plan.get(m.doc_id);
    if (p !== undefined) {
      c.plan = p.plan;
      c.contractMonths = p.months;
    }
    customers.push(c);
  }
  const activities: ActivityInput[] = [];
  if (tableExists(db, 'payment_index')) {
    const rows = db
      .prepare<
        [],
        {
          member_id: string;
          amount_cents: number;
          service: string;
          due_date: string | null;
          paid_at: string | null;
          status: string;
        }
      >(
        `SELECT member_id, amount_cents, service, due_date, paid_at, status FROM payment_index WHERE paid_at IS NOT NULL`,
      )
      .all();
    for (const r of rows) {
      const a: ActivityInput = {
        customerId: r.member_id,
        date: (r.paid_at as string).slice(0, 10),
        kind: 'payment',
        amount: (r.status === 'refunded' ? -1 : 1) * (r.amount_cents / 100),
        service: r.service,
      };
      if (r.due_date !== null) a.dueDate = r.due_date.slice(0, 10);
      activities.push(a);
    }
  }
  if (tableExists(db, 'checkins')) {
    const rows = db
      .prepare<[], { member_id: string; local_date: string }>(
        'SELECT member_id, local_date FROM checkins WHERE denied IS NULL',
      )
      .all();
    for (const r of rows) activities.push({ customerId: r.member_id, date: r.local_date, kind: 'visit' });
  }
  return cleanData(customers, activities, { today });
}
