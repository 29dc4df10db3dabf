/**
 * Reads the chain's exports and ready feature tables for the churn and segmentation pipelines,
 * through the Foundation's CSV layer (import/csv.ts). Row errors keep their line numbers and go into
 * the cleaning report; a file that cannot be read at all throws with the reader's message.
 */
import type { ActivityInput, CleanData, CustomerInput, Dataset, RowProblem } from '@gymedge/ml';
import { cleanData } from '@gymedge/ml';
import { CsvFormatError, parseCustomers, parseTable, parseTransactions } from '../import/csv.ts';

export interface LoadedExports {
  data: CleanData;
  /** What the reader saw: encodings, delimiters, ignored columns. */
  notes: string[];
}

export interface LoadOptions {
  today?: string;
  onProgress?: (message: string) => void;
}

/** Reads customers.csv (optional) and transactions.csv, then cleans them. */
export async function loadExports(
  customersPath: string | undefined,
  transactionsPath: string,
  opts: LoadOptions = {},
): Promise<LoadedExports> {
  const errors: RowProblem[] = [];
  const notes: string[] = [];
  const customers: CustomerInput[] = [];
  if (customersPath !== undefined) {
    const it = parseCustomers(customersPath);
    for (;;) {
      const next = await it.next();
      if (next.done === true) {
        const s = next.value;
        notes.push(
          `customers: ${s.rows} rows read, ${s.errors} refused (${s.encoding}, delimiter "${s.delimiter}")`,
        );
        if (s.ignoredColumns.length > 0)
          notes.push(`customers: columns ignored: ${s.ignoredColumns.join(', ')}`);
        break;
      }
      const item = next.value;
      if ('error' in item)
        errors.push({ file: 'customers', line: item.error.line, message: item.error.message });
      else {
        const r = item.row;
        const c: CustomerInput = { id: r.customerId, line: r.line };
        if (r.age !== undefined) c.age = r.age;
        if (r.gender !== undefined) c.gender = r.gender;
        if (r.signupDate !== undefined) c.signupDate = r.signupDate;
        if (r.region !== undefined) c.region = r.region;
        if (r.churn !== undefined) c.churn = r.churn;
        customers.push(c);
      }
    }
    if (customers.length === 0) {
      throw new CsvFormatError(
        `${customersPath} has a header but no readable rows${errors.length > 0 ? ` (first problem: ${errors[0]?.message})` : ''}`,
      );
    }
  }
  const activities: ActivityInput[] = [];
  const it = parseTransactions(transactionsPath, {
    allowNegativeAmounts: true,
    onProgress: (p) =>
      opts.onProgress?.(
        `transactions: ${p.rows} rows${p.totalBytes ? ` (${Math.round((100 * p.bytesRead) / p.totalBytes)}%)` : ''}`,
      ),
  });
  let undated = 0;
  for (;;) {
    const next = await it.next();
    if (next.done === true) {
      const s = next.value;
      notes.push(
        `transactions: ${s.rows} rows read, ${s.errors} refused (${s.encoding}, delimiter "${s.delimiter}"${s.dateOrder ? `, dates read as ${s.dateOrder === 'mdy' ? 'M/D/YYYY' : 'DD/MM/YYYY'}` : ''})`,
      );
      if (s.ignoredColumns.length > 0)
        notes.push(`transactions: columns ignored: ${s.ignoredColumns.join(', ')}`);
      if (!s.columns.some((c) => /date|data/i.test(c))) {
        throw new CsvFormatError(
          `${transactionsPath} has no date column (transaction_date); churn needs dated transactions`,
        );
      }
      break;
    }
    const item = next.value;
    if ('error' in item) {
      errors.push({ file: 'transactions', line: item.error.line, message: item.error.message });
      continue;
    }
    const r = item.row;
    if (r.date === undefined) {
      undated++;
      errors.push({
        file: 'transactions',
        line: r.line,
        message: `line ${r.line}: transaction_date is empty`,
      });
      continue;
    }
    const a: ActivityInput = { customerId: r.customerId, line: r.line, date: r.date, kind: 'payment' };
    if (r.amountCents !== undefined) a.amount = r.amountCents / 100;
    if (r.service !== undefined) a.service = r.service;
    activities.push(a);
  }
  if (activities.length === 0) {
    throw new CsvFormatError(
      `${transactionsPath} has no readable dated rows${errors.length > 0 ? ` (first problem: ${errors[0]?.message})` : ''}`,
    );
  }
  if (undated > 0) notes.push(`transactions: ${undated} rows without a date were left out`);
  const cleanOpts: { rowErrors: RowProblem[]; today?: string } = { rowErrors: errors };
  if (opts.today !== undefined) cleanOpts.today = opts.today;
  const data = cleanData(customers, activities, cleanOpts);
  data.report.notes.unshift(...notes);
  return { data, notes };
}

export interface LoadedTable {
  dataset: Dataset;
  notes: string[];
  /** Original values of low-cardinality columns per row, for "churn by group" plots. */
  groupColumn?: string;
}

const TRUE = new Set(['1', 'true', 'yes', 'sim', 's', 'y']);
const FALSE = new Set(['0', 'false', 'no', 'nao', 'não', 'n']);

/**
 * Reads a ready feature table: numeric columns become features, the label column (0/1, yes/no) the
 * target. Columns that copy the label (such as `Churn_label`) are dropped: they would leak the answer.
 * Text columns with few values are one-hot encoded; empty numeric cells take the column median.
 */
export async function loadFeatureTable(
  path: string,
  labelColumn: string,
  opts: {
    /** Scoring: the label column may be absent (labels are then all 0). */ labelOptional?: boolean;
  } = {},
): Promise<LoadedTable> {
  let header: string[] | undefined;
  const rows: { line: number; fields: string[] }[] = [];
  const problems: string[] = [];
  for await (const item of parseTable(path)) {
    if ('header' in item) {
      header = item.header;
      continue;
    }
    if (item.problem !== undefined) {
      problems.push(`line ${item.line}: ${item.problem}`);
      continue;
    }
    if (item.fields.every((f) => f.trim() === '')) continue;
    if (header !== undefined && item.fields.length !== header.length) {
      problems.push(
        `line ${item.line}: expected ${header.length} fields like the header, found ${item.fields.length}`,
      );
      continue;
    }
    rows.push({ line: item.line, fields: item.fields.map((f) => f.trim()) });
  }
  if (header === undefined) throw new CsvFormatError(`${path} is empty`);
  if (problems.length > 0) {
    throw new CsvFormatError(
      `${path}: ${problems.length} malformed rows; first: ${problems.slice(0, 3).join('; ')}`,
    );
  }
  const labelIndex = header.findIndex((h) => h.toLowerCase() === labelColumn.toLowerCase());
  if (labelIndex < 0 && opts.labelOptional !== true) {
    throw new CsvFormatError(`${path} has no column "${labelColumn}"; columns: ${header.join(', ')}`);
  }
  if (rows.length === 0) throw new CsvFormatError(`${path} has a header but no rows`);
  const y = new Uint8Array(rows.length);
  const badLabels: number[] = [];
  rows.forEach((r, i) => {
    if (labelIndex < 0) return;
    const v = (r.fields[labelIndex] as string).toLowerCase();
    if (TRUE.has(v)) y[i] = 1;
    else if (FALSE.has(v)) y[i] = 0;
    else badLabels.push(r.line);
  });
  if (badLabels.length > 0) {
    throw new CsvFormatError(
      `${path}: column ${labelColumn} must be 0/1 (or yes/no); not on line${badLabels.length > 1 ? 's' : ''} ${badLabels.slice(0, 10).join(', ')}${badLabels.length > 10 ? '…' : ''}`,
    );
  }
  const notes: string[] = [];
  const idIndex = header.findIndex((h) => /^(customer_?id|id|member_?id)$/i.test(h));
  const names: string[] = [];
  const columns: Float64Array[] = [];
  header.forEach((name, j) => {
    if (j === labelIndex || j === idIndex) return;
    const values = rows.map((r) => r.fields[j] as string);
    // A copy of the label leaks the answer.
    const map = new Map<string, number>();
    let copy = true;
    values.forEach((v, i) => {
      const prev = map.get(v);
      if (prev === undefined) map.set(v, y[i] as number);
      else if (prev !== y[i]) copy = false;
    });
    if (labelIndex >= 0 && copy && map.size === 2 && new Set(map.values()).size === 2) {
      notes.push(`column ${name} is a copy of the label ${labelColumn}; dropped (it would leak the answer)`);
      return;
    }
    const numeric = values.map((v) => (v === '' ? Number.NaN : Number(v.replace(',', '.'))));
    const nonNumeric = values.filter((v, i) => v !== '' && Number.isNaN(numeric[i] as number));
    if (nonNumeric.length === 0) {
      const present = numeric.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      if (present.length === 0) {
        notes.push(`column ${name} is empty in every row; dropped`);
        return;
      }
      const median = present[Math.floor(present.length / 2)] as number;
      const missing = numeric.filter((v) => Number.isNaN(v)).length;
      if (missing > 0) notes.push(`column ${name}: ${missing} empty cells set to the median ${median}`);
      names.push(name);
      columns.push(Float64Array.from(numeric, (v) => (Number.isNaN(v) ? median : v)));
      return;
    }
    const distinct = [...new Set(values)];
    // A text column that mirrors a numeric one (e.g. gender-label beside gender) adds nothing.
    const mirrors = header.some((_other, k) => {
      if (k === j || k === labelIndex) return false;
      const m = new Map<string, string>();
      return (
        rows.every((r) => {
          const a = r.fields[j] as string;
          const b = r.fields[k] as string;
          const prev = m.get(a);
          if (prev === undefined) {
            m.set(a, b);
            return true;
          }
          return prev === b;
        }) && !Number.isNaN(Number(rows[0]?.fields[k]))
      );
    });
    if (mirrors) {
      notes.push(`column ${name} repeats another column as text; dropped`);
      return;
    }
    if (distinct.length <= 10) {
      for (const v of distinct) {
        names.push(`${name}=${v}`);
        columns.push(Float64Array.from(values, (x) => (x === v ? 1 : 0)));
      }
      notes.push(`column ${name} (text) one-hot encoded into ${distinct.length} columns`);
      return;
    }
    notes.push(`column ${name} is text with ${distinct.length} values (e.g. "${nonNumeric[0]}"); ignored`);
  });
  if (names.length === 0)
    throw new CsvFormatError(`${path} has no numeric feature columns besides ${labelColumn}`);
  const p = names.length;
  const x = new Float64Array(rows.length * p);
  for (let i = 0; i < rows.length; i++)
    for (let j = 0; j < p; j++) x[i * p + j] = (columns[j] as Float64Array)[i] as number;
  const ids = rows.map((r, i) => (idIndex >= 0 ? (r.fields[idIndex] as string) : String(i + 1)));
  const group = names.find((n) => /contract/i.test(n)) ?? names.find((n) => /region|regiao/i.test(n));
  const out: LoadedTable = { dataset: { names, x, y, ids }, notes };
  if (group !== undefined) out.groupColumn = group;
  return out;
}
