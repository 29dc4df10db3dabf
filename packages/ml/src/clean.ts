/**
 * Cleaning of the chain's exports before features are built, with a report of every fix. Rows the
 * CSV reader refused arrive here as row errors (with their line numbers) and are reported, never
 * silently dropped.
 */

/** One customer as read from `customers.csv` or the unit's members. */
export interface CustomerInput {
  id: string;
  /** Line in the source file, for messages. */
  line?: number;
  age?: number;
  gender?: string;
  /** ISO date `YYYY-MM-DD`. */
  signupDate?: string;
  region?: string;
  /** Historical churn label, when the export carries one. */
  churn?: boolean;
  plan?: string;
  contractMonths?: number;
}

/** One dated fact about a customer: a payment (transaction), a visit (check-in) or a class booking. */
export interface ActivityInput {
  customerId: string;
  line?: number;
  /** ISO date `YYYY-MM-DD`. */
  date: string;
  kind: 'payment' | 'visit' | 'booking';
  /** Currency units; negative = a return or refund. */
  amount?: number;
  service?: string;
  /** Payments: when it was due (ISO date), for payment delays. */
  dueDate?: string;
}

export interface RowProblem {
  file: string;
  line: number;
  message: string;
}

/** What cleaning found and did; shown in the report and written to metrics.json. */
export interface CleaningReport {
  customersIn: number;
  customersKept: number;
  duplicateCustomers: number;
  /** Ids rewritten so both files agree (`00123` and `123.0` → `123`). */
  idsNormalised: number;
  activitiesIn: number;
  activitiesKept: number;
  duplicateActivities: number;
  /** Negative amounts, kept as returns (they lower monetary value and count as returns). */
  returns: number;
  returnsTotal: number;
  /** Amounts above the cap (Q3 + 3·IQR of positive amounts) set to the cap. */
  outliersCapped: number;
  amountCap?: number;
  /** Dates after the export's own date (impossible) dropped. */
  futureDatesDropped: number;
  /** Signup after the customer's first activity: the signup is moved to that first activity. */
  signupAfterFirstActivity: number;
  missing: { age: number; gender: number; signupDate: number; region: number };
  /** Customers in transactions but not in customers: kept with unknown profile. */
  unknownCustomers: number;
  unknownCustomerSample: string[];
  /** Rows the reader refused, first 50. */
  rowErrors: RowProblem[];
  rowErrorCount: number;
  notes: string[];
}

export interface CleanCustomer extends CustomerInput {
  /** True when the customer only appears in the activity data. */
  unknownProfile: boolean;
}

export interface CleanData {
  customers: Map<string, CleanCustomer>;
  /** Activities per customer, sorted by date. */
  activities: Map<string, ActivityInput[]>;
  /** Last date in the data (the export's date). */
  lastDate?: string;
  firstDate?: string;
  report: CleaningReport;
}

/** `00123` and `123.0` become `123`; other ids are kept as they are. */
export function normaliseId(id: string): string {
  const trimmed = id.trim();
  const m = /^0*(\d+?)(?:\.0+)?$/.exec(trimmed);
  return m ? (m[1] as string) : trimmed;
}

export interface CleanOptions {
  /** Dates after this day are impossible (default: today, UTC). */
  today?: string;
  rowErrors?: RowProblem[];
}

export function cleanData(
  customers: CustomerInput[],
  activities: ActivityInput[],
  opts: CleanOptions = {},
): CleanData {
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const errors = opts.rowErrors ?? [];
  const report: CleaningReport = {
    customersIn: customers.length,
    customersKept: 0,
    duplicateCustomers: 0,
    idsNormalised: 0,
    activitiesIn: activities.length,
    activitiesKept: 0,
    duplicateActivities: 0,
    returns: 0,
    returnsTotal: 0,
    outliersCapped: 0,
    futureDatesDropped: 0,
    signupAfterFirstActivity: 0,
    missing: { age: 0, gender: 0, signupDate: 0, region: 0 },
    unknownCustomers: 0,
    unknownCustomerSample: [],
    rowErrors: errors.slice(0, 50),
    rowErrorCount: errors.length,
    notes: [],
  };
  const out = new Map<string, CleanCustomer>();
  for (const c of customers) {
    const id = normaliseId(c.id);
    if (id !== c.id) report.idsNormalised++;
    const prev = out.get(id);
    if (prev !== undefined) {
      report.duplicateCustomers++;
      // Keep the first row; fill its gaps from the duplicate.
      for (const key of [
        'age',
        'gender',
        'signupDate',
        'region',
        'churn',
        'plan',
        'contractMonths',
      ] as const) {
        if (prev[key] === undefined && c[key] !== undefined)
          (prev as unknown as Record<string, unknown>)[key] = c[key];
      }
      continue;
    }
    let signup = c.signupDate;
    if (signup !== undefined && signup > today) {
      report.futureDatesDropped++;
      signup = undefined;
    }
    const clean: CleanCustomer = { ...c, id, unknownProfile: false };
    if (signup === undefined) delete clean.signupDate;
    else clean.signupDate = signup;
    out.set(id, clean);
  }
  const seen = new Set<string>();
  const acts = new Map<string, ActivityInput[]>();
  const positives: number[] = [];
  let firstDate: string | undefined;
  let lastDate: string | undefined;
  const kept: ActivityInput[] = [];
  for (const a of activities) {
    const id = normaliseId(a.customerId);
    if (id !== a.customerId) report.idsNormalised++;
    if (a.date > today) {
      report.futureDatesDropped++;
      continue;
    }
    const key = `${id}|${a.date}|${a.kind}|${a.amount ?? ''}|${a.service ?? ''}`;
    if (seen.has(key) && a.kind === 'payment') {
      report.duplicateActivities++;
      continue;
    }
    seen.add(key);
    const act = { ...a, customerId: id };
    if (act.amount !== undefined && act.amount < 0) {
      report.returns++;
      report.returnsTotal += -act.amount;
    } else if (act.amount !== undefined) positives.push(act.amount);
    kept.push(act);
  }
  // Outliers: cap amounts above Q3 + 3·IQR.
  if (positives.length >= 20) {
    positives.sort((x, y) => x - y);
    const q = (f: number) =>
      positives[Math.min(positives.length - 1, Math.floor(f * positives.length))] as number;
    const cap = q(0.75) + 3 * (q(0.75) - q(0.25));
    if (cap > 0) {
      report.amountCap = cap;
      for (const a of kept) {
        if (a.amount !== undefined && a.amount > cap) {
          a.amount = cap;
          report.outliersCapped++;
        }
      }
    }
  }
  for (const a of kept) {
    let list = acts.get(a.customerId);
    if (list === undefined) {
      list = [];
      acts.set(a.customerId, list);
    }
    list.push(a);
    if (firstDate === undefined || a.date < firstDate) firstDate = a.date;
    if (lastDate === undefined || a.date > lastDate) lastDate = a.date;
  }
  report.activitiesKept = kept.length;
  for (const [id, list] of acts) {
    list.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
    let c = out.get(id);
    if (c === undefined) {
      report.unknownCustomers++;
      if (report.unknownCustomerSample.length < 10) report.unknownCustomerSample.push(id);
      c = { id, unknownProfile: true };
      out.set(id, c);
    }
    const first = (list[0] as ActivityInput).date;
    if (c.signupDate !== undefined && c.signupDate > first) {
      report.signupAfterFirstActivity++;
      c.signupDate = first;
    }
  }
  for (const c of out.values()) {
    if (c.age === undefined) report.missing.age++;
    if (c.gender === undefined) report.missing.gender++;
    if (c.signupDate === undefined) report.missing.signupDate++;
    if (c.region === undefined) report.missing.region++;
  }
  report.customersKept = out.size;
  if (report.returns > 0) report.notes.push(`${report.returns} negative amounts read as returns`);
  if (report.unknownCustomers > 0) {
    report.notes.push(
      `${report.unknownCustomers} customers appear in transactions only; kept with an unknown profile`,
    );
  }
  const result: CleanData = { customers: out, activities: acts, report };
  if (firstDate !== undefined) result.firstDate = firstDate;
  if (lastDate !== undefined) result.lastDate = lastDate;
  return result;
}

export function dayNumber(iso: string): number {
  return Math.floor(
    Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000,
  );
}

export function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
