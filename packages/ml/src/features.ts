/**
 * Leak-free features at a cutoff date: only facts dated on or before the cutoff are read; the label
 * (when built from activity) only looks after it. The columns are fixed by a {@link FeatureSpec}
 * fitted once on the training snapshot and stored with the model, so scoring builds the same columns.
 */
import { type ActivityInput, type CleanCustomer, type CleanData, dayNumber } from './clean.ts';
import type { Dataset } from './dataset.ts';

export interface FeatureSpec {
  names: string[];
  /** Region columns (`region=<name>`), most frequent first; other regions count as `region=other`. */
  regions: string[];
  plans: string[];
  hasVisits: boolean;
  hasPayments: boolean;
  hasAmounts: boolean;
  hasDueDates: boolean;
  hasAge: boolean;
  hasGender: boolean;
  hasContract: boolean;
  ageMedian: number;
  /** Days after the cutoff in which no activity means churn. */
  horizonDays: number;
}

/** Extra facts per row that are not model inputs (for reports and reasons). */
export interface RowInfo {
  customerId: string;
  region: string;
}

export interface Snapshot {
  cutoff: string;
  data: Dataset;
  info: RowInfo[];
  /** Customers left out of this snapshot and why. */
  excluded: { notYetMember: number; alreadyGone: number; noLabel: number };
}

export type LabelMode = 'inactivity' | 'column' | 'none';

const MAX_REGIONS = 8;
const MAX_PLANS = 6;

function top(values: Iterable<string | undefined>, max: number): string[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([k]) => k);
}

/** Decides the columns from the cleaned data. */
export function fitFeatureSpec(data: CleanData, horizonDays: number): FeatureSpec {
  const all: ActivityInput[] = [];
  for (const list of data.activities.values()) for (const a of list) all.push(a);
  const customers = [...data.customers.values()];
  const ages = customers
    .map((c) => c.age)
    .filter((a): a is number => a !== undefined)
    .sort((a, b) => a - b);
  const spec: FeatureSpec = {
    names: [],
    regions: top(
      customers.map((c) => c.region),
      MAX_REGIONS,
    ),
    plans: top(
      customers.map((c) => c.plan),
      MAX_PLANS,
    ),
    hasVisits: all.some((a) => a.kind !== 'payment'),
    hasPayments: all.some((a) => a.kind === 'payment'),
    hasAmounts: all.some((a) => a.amount !== undefined),
    hasDueDates: all.some((a) => a.dueDate !== undefined),
    hasAge: ages.length > 0,
    hasGender: customers.some((c) => c.gender !== undefined),
    hasContract: customers.some((c) => c.contractMonths !== undefined),
    ageMedian: ages.length > 0 ? (ages[Math.floor(ages.length / 2)] as number) : 0,
    horizonDays,
  };
  const names: string[] = [
    'recency_days',
    'tenure_days',
    'activity_30d',
    'activity_prev_60d_per_30d',
    'activity_change',
  ];
  names.push('activity_90d', 'activity_total', 'mean_gap_days', 'max_gap_days', 'recency_over_gap');
  if (spec.hasVisits) names.push('visits_30d', 'group_class_share', 'distinct_services');
  if (spec.hasAmounts) names.push('monetary_total', 'monetary_90d', 'avg_ticket', 'returns_count');
  if (spec.hasDueDates) names.push('payment_delay_avg_days', 'late_payments_180d');
  if (spec.hasContract) names.push('contract_months');
  for (const p of spec.plans) names.push(`plan=${p}`);
  if (spec.regions.length > 0) {
    for (const r of spec.regions) names.push(`region=${r}`);
    names.push('region=other');
  }
  if (spec.hasAge) names.push('age', 'age_missing');
  if (spec.hasGender) names.push('gender=female', 'gender=male');
  spec.names = names;
  return spec;
}

function rowFeatures(
  spec: FeatureSpec,
  c: CleanCustomer,
  acts: readonly ActivityInput[],
  cutoffDay: number,
): number[] {
  const past: ActivityInput[] = [];
  for (const a of acts) {
    if (dayNumber(a.date) <= cutoffDay) past.push(a);
    else break;
  }
  const activity = spec.hasVisits ? past.filter((a) => a.kind !== 'payment') : past;
  const days = activity.map((a) => dayNumber(a.date));
  const last = days.length > 0 ? (days[days.length - 1] as number) : undefined;
  const signup =
    c.signupDate !== undefined
      ? dayNumber(c.signupDate)
      : past.length > 0
        ? dayNumber((past[0] as ActivityInput).date)
        : cutoffDay;
  const tenure = Math.max(0, cutoffDay - signup);
  const recency = last !== undefined ? cutoffDay - last : tenure;
  const inWindow = (from: number, to: number) =>
    days.filter((d) => d > cutoffDay - from && d <= cutoffDay - to).length;
  const a30 = inWindow(30, 0);
  const prev60 = inWindow(90, 30) / 2;
  const change = (a30 - prev60) / (prev60 + 1);
  const gaps: number[] = [];
  for (let i = 1; i < days.length; i++) gaps.push((days[i] as number) - (days[i - 1] as number));
  const meanGap = gaps.length > 0 ? gaps.reduce((s, g) => s + g, 0) / gaps.length : tenure;
  const maxGap = gaps.length > 0 ? Math.max(...gaps) : tenure;
  const v: number[] = [
    recency,
    tenure,
    a30,
    prev60,
    change,
    inWindow(90, 0),
    days.length,
    meanGap,
    maxGap,
    recency / (meanGap + 1),
  ];
  if (spec.hasVisits) {
    const visits = past.filter((a) => a.kind === 'visit' && dayNumber(a.date) > cutoffDay - 30).length;
    const recent = past.filter((a) => a.kind !== 'payment' && dayNumber(a.date) > cutoffDay - 90);
    const bookings = recent.filter((a) => a.kind === 'booking').length;
    const services = new Set(recent.filter((a) => a.kind === 'booking').map((a) => a.service ?? ''));
    v.push(visits, recent.length > 0 ? bookings / recent.length : 0, services.size);
  }
  if (spec.hasAmounts) {
    let total = 0;
    let recent = 0;
    let count = 0;
    let returns = 0;
    for (const a of past) {
      if (a.amount === undefined) continue;
      total += a.amount;
      if (dayNumber(a.date) > cutoffDay - 90) recent += a.amount;
      if (a.amount < 0) returns++;
      else count++;
    }
    v.push(total, recent, count > 0 ? total / count : 0, returns);
  }
  if (spec.hasDueDates) {
    const paid = past.filter((a) => a.kind === 'payment' && a.dueDate !== undefined);
    const delays = paid.map((a) => Math.max(0, dayNumber(a.date) - dayNumber(a.dueDate as string)));
    const late = paid.filter(
      (a, i) => (delays[i] as number) > 3 && dayNumber(a.date) > cutoffDay - 180,
    ).length;
    v.push(delays.length > 0 ? delays.reduce((s, d) => s + d, 0) / delays.length : 0, late);
  }
  if (spec.hasContract) v.push(c.contractMonths ?? 0);
  for (const p of spec.plans) v.push(c.plan === p ? 1 : 0);
  if (spec.regions.length > 0) {
    let matched = false;
    for (const r of spec.regions) {
      const hit = c.region === r;
      matched ||= hit;
      v.push(hit ? 1 : 0);
    }
    v.push(matched ? 0 : 1);
  }
  if (spec.hasAge) v.push(c.age ?? spec.ageMedian, c.age === undefined ? 1 : 0);
  if (spec.hasGender) v.push(c.gender === 'female' ? 1 : 0, c.gender === 'male' ? 1 : 0);
  return v;
}

export interface SnapshotOptions {
  labelMode: LabelMode;
  /** Customers with no activity in this many days before the cutoff have already left (default 2 × horizon). */
  activeWindowDays?: number;
}

/** One row per customer who is a member at the cutoff, with features and (optionally) the label. */
export function buildSnapshot(
  data: CleanData,
  spec: FeatureSpec,
  cutoff: string,
  opts: SnapshotOptions,
): Snapshot {
  const cutoffDay = dayNumber(cutoff);
  const activeWindow = opts.activeWindowDays ?? 2 * spec.horizonDays;
  const rows: number[][] = [];
  const y: number[] = [];
  const ids: string[] = [];
  const info: RowInfo[] = [];
  const excluded = { notYetMember: 0, alreadyGone: 0, noLabel: 0 };
  const empty: ActivityInput[] = [];
  for (const c of data.customers.values()) {
    const acts = data.activities.get(c.id) ?? empty;
    const firstDay = acts.length > 0 ? dayNumber((acts[0] as ActivityInput).date) : undefined;
    const start = c.signupDate !== undefined ? dayNumber(c.signupDate) : firstDay;
    if (start === undefined || start > cutoffDay) {
      excluded.notYetMember++;
      continue;
    }
    let label = 0;
    if (opts.labelMode === 'column') {
      if (c.churn === undefined) {
        excluded.noLabel++;
        continue;
      }
      label = c.churn ? 1 : 0;
    } else if (opts.labelMode === 'inactivity') {
      let lastBefore: number | undefined;
      let after = false;
      for (const a of acts) {
        const d = dayNumber(a.date);
        if (d <= cutoffDay) lastBefore = d;
        else if (d <= cutoffDay + spec.horizonDays) after = true;
      }
      const lastSeen = lastBefore ?? start;
      if (opts.labelMode === 'inactivity' && cutoffDay - lastSeen > activeWindow) {
        excluded.alreadyGone++;
        continue;
      }
      label = after ? 0 : 1;
    }
    rows.push(rowFeatures(spec, c, acts, cutoffDay));
    y.push(label);
    ids.push(c.id);
    info.push({ customerId: c.id, region: c.region ?? '—' });
  }
  const p = spec.names.length;
  const x = new Float64Array(rows.length * p);
  rows.forEach((r, i) => {
    for (let j = 0; j < p; j++) {
      const value = r[j] as number;
      x[i * p + j] = Number.isFinite(value) ? value : 0;
    }
  });
  return { cutoff, data: { names: spec.names, x, y: Uint8Array.from(y), ids }, info, excluded };
}
