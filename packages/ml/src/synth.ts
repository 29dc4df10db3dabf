/**
 * Synthetic chain exports for tests and benchmarks, shaped like the real gym set: short contracts,
 * falling attendance and short tenure drive churn. Churners stop paying; the rest pay monthly.
 */
import type { ActivityInput, CustomerInput } from './clean.ts';
import { dayNumber, isoDay } from './clean.ts';
import { Rng } from './rng.ts';

export interface SynthOptions {
  customers: number;
  /** Months of history ending at `end`. */
  months?: number;
  end?: string;
  seed?: number;
  /** Extra visits per month on top of payments (0 = payments only, like the CSV export). */
  visits?: boolean;
}

export interface SynthData {
  customers: CustomerInput[];
  activities: ActivityInput[];
}

const REGIONS = ['Centro', 'Zona Sul', 'Zona Norte', 'Zona Oeste', 'Zona Leste'];
const SERVICES = ['mensalidade', 'musculação', 'pilates', 'spinning', 'personal'];

export function synthesize(opts: SynthOptions): SynthData {
  const rng = new Rng(opts.seed ?? 11);
  const months = opts.months ?? 18;
  const end = dayNumber(opts.end ?? '2026-10-31');
  const start = end - months * 30;
  const customers: CustomerInput[] = [];
  const activities: ActivityInput[] = [];
  for (let i = 0; i < opts.customers; i++) {
    const id = `C${String(i + 1).padStart(6, '0')}`;
    const contract = [1, 1, 6, 12][rng.int(4)] as number;
    const region = REGIONS[rng.int(REGIONS.length)] as string;
    const age = 18 + rng.int(45);
    const signup = start + rng.int(months * 30 - 60);
    const engagement = 0.5 + rng.next() * 2.5;
    const fee = contract === 1 ? 129.9 : contract === 6 ? 109.9 : 89.9;
    // Monthly hazard: short contracts and low engagement leave sooner; region "Zona Leste" a bit more.
    const hazard =
      0.01 +
      (contract === 1 ? 0.07 : contract === 6 ? 0.03 : 0.012) +
      0.03 / engagement +
      (region === 'Zona Leste' ? 0.01 : 0);
    let day = signup;
    let leave: number | undefined;
    let decline = 1;
    while (day <= end) {
      if (leave === undefined && rng.next() < hazard) leave = day + 30 + rng.int(40);
      if (leave !== undefined && day >= leave) break;
      // Before leaving, attendance falls.
      decline = leave !== undefined ? Math.max(0.1, 1 - (day - (leave - 60)) / 60) : 1;
      activities.push({
        customerId: id,
        date: isoDay(day + rng.int(5)),
        kind: 'payment',
        amount: fee,
        service: SERVICES[0] as string,
      });
      if (rng.next() < 0.15 * engagement * decline) {
        activities.push({
          customerId: id,
          date: isoDay(day + rng.int(28)),
          kind: 'payment',
          amount: 40 + rng.int(80),
          service: SERVICES[1 + rng.int(4)] as string,
        });
      }
      if (opts.visits === true) {
        const visits = Math.round(engagement * 4 * decline * (0.6 + rng.next() * 0.8));
        for (let v = 0; v < visits; v++) {
          const booking = rng.next() < 0.3;
          activities.push({
            customerId: id,
            date: isoDay(day + rng.int(30)),
            kind: booking ? 'booking' : 'visit',
            service: booking ? (SERVICES[2 + rng.int(3)] as string) : 'musculação',
          });
        }
      }
      day += 30;
    }
    const customer: CustomerInput = {
      id,
      age,
      gender: rng.next() < 0.5 ? 'female' : 'male',
      signupDate: isoDay(signup),
      region,
      contractMonths: contract,
    };
    customers.push(customer);
  }
  const endIso = isoDay(end);
  return { customers, activities: activities.filter((a) => a.date <= endIso) };
}

/** Writes the exports as the chain's CSV files (customers.csv, transactions.csv). */
export function toCsv(data: SynthData): { customers: string; transactions: string } {
  const c = ['customer_id,age,gender,signup_date,region'];
  for (const x of data.customers) {
    c.push(
      `${x.id},${x.age ?? ''},${x.gender === 'female' ? 'F' : x.gender === 'male' ? 'M' : ''},${x.signupDate ?? ''},${x.region ?? ''}`,
    );
  }
  const t = ['customer_id,transaction_date,amount,service'];
  for (const a of data.activities) {
    if (a.kind !== 'payment') continue;
    t.push(`${a.customerId},${a.date},${(a.amount ?? 0).toFixed(2)},${a.service ?? ''}`);
  }
  return { customers: `${c.join('\n')}\n`, transactions: `${t.join('\n')}\n` };
}
