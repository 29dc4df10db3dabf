/**
 * Streaming readers for the chain's CSV exports: `customers.csv` and `transactions.csv`.
 *
 * Pure: no database, no network. A file is read in chunks, so exports of hundreds of megabytes pass
 * in constant memory. Each good row is yielded as soon as it is read; each bad row is yielded as an
 * error with the line it starts on and a message naming the column and the value, so a clerk can fix
 * the file. Only problems with the file as a whole (empty, not a CSV, no `customer_id` column) stop
 * the import, with a {@link CsvFormatError}.
 *
 * What a file may look like:
 * - delimiter `,`, `;` (Brazilian Excel exports use `;`), tab or `|`, found from the header line;
 * - UTF-8 with or without BOM; a file that is not valid UTF-8 is read as Windows-1252 (Excel's
 *   "CSV" on Windows), so `São Paulo` survives either way;
 * - CRLF, LF or CR line ends; fields quoted with `"` (`""` inside a quoted field is one quote), and a
 *   quoted field may span lines;
 * - header names in any case, with spaces, accents and several aliases (English and Portuguese, and
 *   the public "Retail Transaction Data" set's `trans_date`/`tran_amount`). Unknown columns are
 *   ignored; every column but `customer_id` may be absent.
 *
 * The parser is hand-written rather than csv-parse: every error must name the line its record
 * *starts* on (csv-parse reports where it ends) and a broken quote must cost one reported record,
 * not the rest of the file.
 *
 * @example
 * ```ts
 * for await (const item of parseTransactions('transactions.csv', { onProgress: (p) => bar(p) })) {
 *   if ('error' in item) console.warn(item.error.message);
 *   else await save(item.row);
 * }
 * ```
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { TextDecoder } from 'node:util';
import type { Gender } from '@gymedge/crdt-schema';

/** One member from `customers.csv`. Absent fields were absent from the file or empty in the row. */
export interface CustomerRow {
  /** 1-based line of the file where the record starts (the header is line 1). */
  line: number;
  customerId: string;
  /** Whole years, 10 to 110. */
  age?: number;
  gender?: Gender;
  /** ISO date, `YYYY-MM-DD`. */
  signupDate?: string;
  region?: string;
  /** The chain's historical churn label. */
  churn?: boolean;
}

/** One payment from `transactions.csv`. */
export interface TransactionRow {
  /** 1-based line of the file where the record starts (the header is line 1). */
  line: number;
  customerId: string;
  /** ISO date, `YYYY-MM-DD` (a time of day in the file is dropped). */
  date?: string;
  /** Integer cents; negative (a return) only with `allowNegativeAmounts`. */
  amountCents?: number;
  /** What was sold, as the file says it; no default is applied here. */
  service?: string;
}

/** A row that could not be read. `message` starts with `line N:` and can be shown as it is. */
export interface RowError {
  line: number;
  message: string;
}

export interface ParseProgress {
  /** Bytes taken from the input so far (the whole file once parsing ends). */
  bytesRead: number;
  /** Size of the input, when known (always for a path). */
  totalBytes?: number;
  /** Good rows yielded so far. */
  rows: number;
  /** Bad rows reported so far. */
  errors: number;
}

/**
 * How to read `NN/NN/YYYY` dates. `auto` decides once per file: a value whose first part is over 12
 * proves day-first, one whose second part is over 12 proves month-first. When no value decides,
 * month-first is used for files whose header is the retail set's (`trans_date`), day-first otherwise.
 */
export type DateOrder = 'auto' | 'dmy' | 'mdy';

export interface ParseOptions {
  /**
   * Called when 10,000 rows or ~200 ms have passed since the last call, whichever comes first, and
   * once at the end (then `bytesRead` is the whole input).
   */
  onProgress?(progress: ParseProgress): void;
  /** Default `auto`. */
  dateOrder?: DateOrder;
  /** Size of the input when it is a stream, for percentages. For a path it is read from the file. */
  totalBytes?: number;
  /**
   * Read negative amounts (returns, refunds) as negative cents instead of refusing the row. Off for the
   * member import; the churn pipeline turns it on and counts returns.
   */
  allowNegativeAmounts?: boolean;
}

/** What the parser found out about a file: returned by the generator when it is done. */
export interface ParseSummary {
  rows: number;
  errors: number;
  bytesRead: number;
  delimiter: Delimiter;
  encoding: 'utf-8' | 'windows-1252';
  /** How `NN/NN/YYYY` dates were read; undefined when the file has no date column. */
  dateOrder?: 'dmy' | 'mdy';
  /** Header names as written in the file. */
  columns: string[];
  /** Header names that matched no known column and were skipped. */
  ignoredColumns: string[];
}

export type ParseItem<R> = { row: R } | { error: RowError };

/** The file as a whole cannot be imported: empty, not a CSV, or without a `customer_id` column. */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  /** Header names found in the file, when it had a header. */
  readonly columns?: string[];
  constructor(message: string, columns?: string[]) {
    super(message);
    if (columns !== undefined) this.columns = columns;
  }
}

/** An input: a path, or a stream of bytes or text (e.g. an upload). */
export type CsvInput = NodeJS.ReadableStream | string;

/**
 * Reads `customers.csv` (customer_id, age, gender, signup_date, region, churn).
 *
 * Accepted values: age a whole number 10–110; gender `M/F/Male/Female/masculino/feminino/0/1`,
 * `other/outro`, `undisclosed/não informado` (`1` is male and `0` female, as in the public gym churn
 * set, where the coding is arbitrary); churn `0/1/true/false/yes/no/sim/não`; region a label of at
 * most 80 characters without control characters nor `<>{}\`.
 *
 * @throws {CsvFormatError} from the first `next()` when the file cannot be imported at all.
 */
export function parseCustomers(
  input: CsvInput,
  opts: ParseOptions = {},
): AsyncGenerator<ParseItem<CustomerRow>, ParseSummary, undefined> {
  return parseFile(CUSTOMERS, input, opts);
}

/**
 * Reads `transactions.csv` (customer_id, transaction_date, amount, service), or the retail set's
 * `customer_id,trans_date,tran_amount`.
 *
 * Amounts: `12.50`, `12,50`, `1.234,56`, `1,234.56`, `R$ 12,50` or whole units `35`, read as integer
 * cents; negative amounts (refunds) are refused. One separator followed by exactly three digits is a
 * thousands separator (`1.234` is R$ 1.234,00). Dates: see {@link DateOrder}.
 *
 * @throws {CsvFormatError} from the first `next()` when the file cannot be imported at all.
 */
export function parseTransactions(
  input: CsvInput,
  opts: ParseOptions = {},
): AsyncGenerator<ParseItem<TransactionRow>, ParseSummary, undefined> {
  return parseFile(TRANSACTIONS, input, opts);
}

// ---------------------------------------------------------------------------------------------
// Columns

class Invalid {
  constructor(readonly reason: string) {}
}

interface ReadContext {
  dateOrder: 'dmy' | 'mdy';
  /** True when the order came from `auto` (the message then says how the file was read). */
  dateOrderGuessed: boolean;
  /** See {@link ParseOptions.allowNegativeAmounts}. */
  allowNegative?: boolean;
}

type Reader<T> = (value: string, ctx: ReadContext) => T | Invalid;

interface ColumnSpec<R> {
  /** Canonical name, used in messages about a missing column. */
  name: string;
  field: Exclude<keyof R, 'line'>;
  /** Normalised header names (see {@link normaliseHeader}). */
  aliases: readonly string[];
  /** Aliases that mark a file from the public retail data set (M/D/YYYY dates). */
  retailAliases?: readonly string[];
  read: Reader<unknown>;
  isDate?: boolean;
  required?: boolean;
}

interface FileKind<R> {
  label: string;
  columns: readonly ColumnSpec<R>[];
}

const CUSTOMER_ID_ALIASES = [
  'customer_id',
  'customerid',
  'customer',
  'client_id',
  'clientid',
  'cliente_id',
  'id_cliente',
  'cliente',
  'cod_cliente',
  'codigo_cliente',
  'member_id',
  'id_aluno',
  'matricula',
] as const;

/** The one column both files must have. */
const CUSTOMER_ID_COLUMN = {
  name: 'customer_id',
  field: 'customerId',
  aliases: CUSTOMER_ID_ALIASES,
  read: readCustomerId,
  required: true,
} as const;

const CUSTOMERS: FileKind<CustomerRow> = {
  label: 'customers',
  columns: [
    CUSTOMER_ID_COLUMN,
    { name: 'age', field: 'age', aliases: ['age', 'idade'], read: readAge },
    { name: 'gender', field: 'gender', aliases: ['gender', 'sex', 'sexo', 'genero'], read: readGender },
    {
      name: 'signup_date',
      field: 'signupDate',
      aliases: [
        'signup_date',
        'signupdate',
        'signup',
        'join_date',
        'joined',
        'data_cadastro',
        'data_de_cadastro',
        'data_matricula',
        'data_de_matricula',
        'data_adesao',
      ],
      read: readSignupDate,
      isDate: true,
    },
    {
      name: 'region',
      field: 'region',
      aliases: ['region', 'regiao', 'bairro', 'neighborhood', 'neighbourhood'],
      read: readLabel,
    },
    { name: 'churn', field: 'churn', aliases: ['churn', 'churned', 'cancelou', 'evadiu'], read: readBoolean },
  ],
};

const TRANSACTIONS: FileKind<TransactionRow> = {
  label: 'transactions',
  columns: [
    CUSTOMER_ID_COLUMN,
    {
      name: 'transaction_date',
      field: 'date',
      aliases: [
        'transaction_date',
        'transactiondate',
        'date',
        'data',
        'payment_date',
        'data_pagamento',
        'data_do_pagamento',
        'data_transacao',
      ],
      retailAliases: ['trans_date'],
      read: readDate,
      isDate: true,
    },
    {
      name: 'amount',
      field: 'amountCents',
      aliases: ['amount', 'value', 'valor', 'valor_pago', 'price', 'preco', 'total'],
      retailAliases: ['tran_amount'],
      read: readAmountCents,
    },
    {
      name: 'service',
      field: 'service',
      aliases: ['service', 'servico', 'produto', 'product', 'description', 'descricao', 'plano', 'plan'],
      read: readLabel,
    },
  ],
};

/** `" Data de Cadastro "` → `data_de_cadastro`. */
function normaliseHeader(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Lower case, accents removed, inner spaces collapsed: for matching words like `Não`. */
function foldWord(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// Value readers. Each gets a trimmed, non-empty string.

const CUSTOMER_ID = /^[A-Za-z0-9._-]{1,64}$/;

function readCustomerId(value: string): string | Invalid {
  if (CUSTOMER_ID.test(value)) return value;
  if (value.length > 64) return new Invalid('is longer than 64 characters');
  return new Invalid('may only hold letters, digits, ".", "_" and "-"');
}

function readAge(value: string): number | Invalid {
  // pandas writes whole numbers as `34.0`; that is still a whole number.
  const match = /^(\d{1,4})(?:[.,]0+)?$/.exec(value);
  if (!match) return new Invalid('is not a whole number of years');
  const age = Number(match[1]);
  if (age < 10 || age > 110) return new Invalid('is not between 10 and 110');
  return age;
}

/**
 * `0`/`1` follow the public gym churn set, whose coding is arbitrary (it publishes no codebook): we
 * read `1` as male and `0` as female, matching its own `gender-label` column.
 */
const GENDERS: Readonly<Record<string, Gender>> = {
  m: 'male',
  male: 'male',
  masculino: 'male',
  masc: 'male',
  homem: 'male',
  man: 'male',
  '1': 'male',
  f: 'female',
  female: 'female',
  feminino: 'female',
  fem: 'female',
  mulher: 'female',
  woman: 'female',
  '0': 'female',
  other: 'other',
  outro: 'other',
  outra: 'other',
  outros: 'other',
  'nao binario': 'other',
  'non-binary': 'other',
  nonbinary: 'other',
  undisclosed: 'undisclosed',
  'prefer not to say': 'undisclosed',
  'nao informado': 'undisclosed',
  'prefiro nao informar': 'undisclosed',
};

function readGender(value: string): Gender | Invalid {
  return GENDERS[foldWord(value)] ?? new Invalid('is not a gender (M, F, other, masculino, feminino, 0, 1)');
}

const BOOLEANS: Readonly<Record<string, boolean>> = {
  '1': true,
  true: true,
  yes: true,
  y: true,
  sim: true,
  s: true,
  '0': false,
  false: false,
  no: false,
  n: false,
  nao: false,
};

function readBoolean(value: string): boolean | Invalid {
  return BOOLEANS[foldWord(value)] ?? new Invalid('is not yes/no (1, 0, true, false, sim, não)');
}

const LABEL_FORBIDDEN = /[<>{}\\\p{Cc}]/u;

function readLabel(value: string): string | Invalid {
  if (value.length > 80) return new Invalid('is longer than 80 characters');
  if (LABEL_FORBIDDEN.test(value)) return new Invalid('contains <, >, {, }, \\ or control characters');
  return value;
}

const TIME_SUFFIX = String.raw`(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`;
const YEAR_FIRST = new RegExp(String.raw`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})${TIME_SUFFIX}$`);
const YEAR_LAST = new RegExp(String.raw`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})${TIME_SUFFIX}$`);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const TWO_DIGITS = Array.from({ length: 32 }, (_, i) => String(i).padStart(2, '0'));

function isoDate(year: number, month: number, day: number): string | undefined {
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);
  if (day > daysInMonth) return undefined;
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

function readDate(value: string, ctx: ReadContext): string | Invalid {
  const ymd = YEAR_FIRST.exec(value);
  if (ymd) {
    return isoDate(Number(ymd[1]), Number(ymd[2]), Number(ymd[3])) ?? new Invalid('is not a real date');
  }
  const other = YEAR_LAST.exec(value);
  if (!other) return new Invalid('is not a date (expected YYYY-MM-DD, DD/MM/YYYY or M/D/YYYY)');
  const first = Number(other[1]);
  const second = Number(other[2]);
  const year = Number(other[3]);
  const [day, month] = ctx.dateOrder === 'dmy' ? [first, second] : [second, first];
  const iso = isoDate(year, month, day);
  if (iso !== undefined) return iso;
  const order = ctx.dateOrder === 'dmy' ? 'DD/MM/YYYY' : 'M/D/YYYY';
  const why = ctx.dateOrderGuessed ? 'as the other dates of this file are' : 'as the dateOrder option asks';
  return new Invalid(`is not a real ${order} date (read ${order} ${why})`);
}

/**
 * A signup date: a real date, and not after today (a day of slack for time zones). A future signup is
 * a typo or a file whose dates were read in the wrong order.
 */
function readSignupDate(value: string, ctx: ReadContext): string | Invalid {
  const date = readDate(value, ctx);
  if (date instanceof Invalid) return date;
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  if (date > tomorrow) return new Invalid(`is in the future (today is ${today}); a signup date cannot be`);
  return date;
}

/** Largest amount a payment may carry (the schema's Cents bound): R$ 100 million. */
const MAX_CENTS = 100_000_000_00;

/** The usual shapes (`35`, `12,50`, `12.5`), read without the general path below. */
const PLAIN_AMOUNT = /^(\d{1,12})(?:[.,](\d{1,2}))?$/;

function readAmountCents(raw: string, ctx?: ReadContext): number | Invalid {
  const plain = PLAIN_AMOUNT.exec(raw);
  if (plain) {
    const cents = Number(plain[1]) * 100 + Number((plain[2] ?? '').padEnd(2, '0'));
    return cents > MAX_CENTS ? new Invalid('is too large') : cents;
  }
  let s = raw.replace(/[\s\u00a0]/g, '');
  let negative = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1);
  }
  for (let round = 0; round < 2; round++) {
    if (/^R\$/i.test(s)) s = s.slice(2);
    if (s.startsWith('-') || s.startsWith('\u2212')) {
      negative = true;
      s = s.slice(1);
    } else if (s.startsWith('+')) {
      s = s.slice(1);
    }
  }
  if (!/^\d[\d.,]*$/.test(s) || /[.,]$/.test(s)) return new Invalid('is not a number');

  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let decimalSep: string | undefined;
  let thousandsSep: string | undefined;
  if (lastDot >= 0 && lastComma >= 0) {
    decimalSep = lastDot > lastComma ? '.' : ',';
    thousandsSep = decimalSep === '.' ? ',' : '.';
  } else if (lastDot >= 0 || lastComma >= 0) {
    const sep = lastDot >= 0 ? '.' : ',';
    const at = Math.max(lastDot, lastComma);
    const count = s.split(sep).length - 1;
    const intPart = s.slice(0, at);
    const looksLikeThousands = s.length - at - 1 === 3 && intPart !== '0' && intPart.length <= 3;
    if (count > 1 || looksLikeThousands) thousandsSep = sep;
    else decimalSep = sep;
  }

  let intPart = s;
  let fraction = '';
  if (decimalSep !== undefined) {
    const at = s.lastIndexOf(decimalSep);
    intPart = s.slice(0, at);
    fraction = s.slice(at + 1);
    if (!/^\d+$/.test(fraction)) return new Invalid('is not a number');
  }
  if (thousandsSep !== undefined) {
    const groups = intPart.split(thousandsSep);
    const [head, ...rest] = groups;
    if (head === undefined || !/^\d{1,3}$/.test(head) || rest.some((g) => !/^\d{3}$/.test(g))) {
      return new Invalid('is not a number (misplaced thousands separator)');
    }
    intPart = groups.join('');
  }
  if (!/^\d+$/.test(intPart)) return new Invalid('is not a number');
  if (fraction.length > 2) {
    if (!/^0+$/.test(fraction.slice(2))) return new Invalid('has more than 2 decimal places');
    fraction = fraction.slice(0, 2);
  }
  if (negative && ctx?.allowNegative !== true) return new Invalid('is negative (refunds are not imported)');
  const cents = Number(intPart) * 100 + Number(fraction.padEnd(2, '0'));
  if (!Number.isSafeInteger(cents) || cents > MAX_CENTS) return new Invalid('is too large');
  return negative ? -cents : cents;
}

// ---------------------------------------------------------------------------------------------
// Tokenizer: RFC 4180 with lenient edges, fed chunk by chunk.

interface RawRecord {
  /** Line the record starts on. */
  line: number;
  /** Line the record ends on (differs when a quoted field spans lines). */
  endLine: number;
  fields: string[];
  /** Set when the record is malformed; its fields must not be used. */
  problem?: string;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** Just read a `"` inside a quoted field: either the closing quote or the first of `""`. */
const QUOTED_QUOTE = 3;
/** Discarding the rest of a line after an over-long record. */
const SKIP_LINE = 4;

/** Longest record kept in memory; longer means a runaway quote or not a CSV at all. */
const MAX_RECORD_CHARS = 1 << 20;

class CsvTokenizer {
  private fields: string[] = [];
  private field = '';
  private state = FIELD_START;
  private line = 1;
  private recordLine = 1;
  private recordChars = 0;
  private quotedSeen = false;
  private lastWasCr = false;
  private problem: string | undefined;
  /** Fields of the header (the first record): a record spanning lines must match it to be believed. */
  private width: number | undefined;
  /**
   * The raw text read since the first line end inside the current record's open quote. When the quote
   * turns out to be a broken one (the record does not fit the header, or the file ends), the record's
   * first line is reported and this text is read again as the records it really is: a broken quote
   * costs one record, not the rest of the file.
   */
  private captured: string | undefined;
  private captureBreakWasCr = false;
  private brokenLine = 1;

  constructor(private readonly delimiter: number) {}

  push(input: string, out: RawRecord[]): void {
    const delimiter = this.delimiter;
    let text = input;
    let n = text.length;
    let start = 0;
    let i = 0;
    let captureFrom = this.captured === undefined ? -1 : 0;
    /** Called right after a record ended at index `i`: replays the captured lines if the record was a broken quote. */
    const rescue = (runaway = false): boolean => {
      if (this.captured === undefined) return false;
      const captured = this.captured + text.slice(captureFrom, i + 1);
      this.captured = undefined;
      captureFrom = -1;
      if (!runaway) {
        const last = out.at(-1);
        const fits =
          last !== undefined &&
          last.problem === undefined &&
          (this.width === undefined || last.fields.length === this.width);
        if (fits) return false;
        if (last !== undefined) out.pop();
      }
      const opened = this.brokenLine;
      out.push({
        line: opened,
        endLine: opened,
        fields: [],
        problem: runaway
          ? `a quote opened on this line is not closed within ${MAX_RECORD_CHARS} characters; the line was skipped and the lines after it were read on their own`
          : 'a quote opened on this line is not closed on it; the line was skipped and the lines after it were read on their own',
      });
      this.reset();
      this.line = opened + 1;
      this.recordLine = this.line;
      this.state = FIELD_START;
      this.lastWasCr = this.captureBreakWasCr;
      text = captured + text.slice(i + 1);
      n = text.length;
      i = 0;
      start = 0;
      return true;
    };
    while (i < n) {
      const c = text.charCodeAt(i);
      const afterCr = this.lastWasCr;
      this.lastWasCr = false;
      switch (this.state) {
        case FIELD_START:
          if (c === QUOTE) {
            this.state = QUOTED;
            this.quotedSeen = true;
            start = i + 1;
            break;
          }
          if (c === LF && afterCr && this.fields.length === 0) break; // the LF of a CRLF
          this.state = UNQUOTED;
          start = i;
          continue; // read this character again as part of an unquoted field
        case UNQUOTED:
          if (c === delimiter) {
            this.endField(this.field + text.slice(start, i));
            this.state = FIELD_START;
          } else if (c === LF || c === CR) {
            this.endField(this.field + text.slice(start, i));
            this.endRecord(out);
            this.newLine(c);
            this.state = FIELD_START;
            if (rescue()) continue;
          }
          break;
        case QUOTED:
          if (c === QUOTE) {
            this.field += text.slice(start, i);
            this.state = QUOTED_QUOTE;
          } else if (c === CR || (c === LF && !afterCr)) {
            if (this.captured === undefined && this.line === this.recordLine) {
              this.captured = '';
              this.brokenLine = this.recordLine;
              this.captureBreakWasCr = c === CR;
              captureFrom = i + 1;
            }
            this.line++;
            this.lastWasCr = c === CR;
            if (this.recordChars + this.field.length + (i - start) > MAX_RECORD_CHARS) {
              // A quote left open: report its line and read the lines after it again as records.
              if (rescue(true)) continue;
              this.overflow(out, this.line - 1);
              this.state = FIELD_START;
              this.recordLine = this.line;
              this.captured = undefined;
              captureFrom = -1;
            }
          }
          break;
        case QUOTED_QUOTE:
          if (c === QUOTE) {
            // `""`: one literal quote; the field goes on.
            this.field += '"';
            this.state = QUOTED;
            start = i + 1;
          } else if (c === delimiter) {
            this.endField(this.field);
            this.state = FIELD_START;
          } else if (c === LF || c === CR) {
            this.endField(this.field);
            this.endRecord(out);
            this.newLine(c);
            this.state = FIELD_START;
            if (rescue()) continue;
          } else {
            this.problem ??= `field ${this.fields.length + 1} has text after its closing quote`;
            this.state = UNQUOTED;
            start = i;
            continue;
          }
          break;
        case SKIP_LINE:
          if (c === LF || c === CR) {
            this.newLine(c);
            this.state = FIELD_START;
          }
          break;
      }
      i++;
    }
    if (this.state === UNQUOTED || this.state === QUOTED) this.field += text.slice(start);
    if (this.captured !== undefined && captureFrom >= 0) this.captured += text.slice(captureFrom);
    if (this.state !== SKIP_LINE && this.recordChars + this.field.length > MAX_RECORD_CHARS) {
      if (this.state === QUOTED && this.captured !== undefined) {
        // A runaway quote: report the line it opened on and read what followed again as records.
        const captured = this.captured;
        const opened = this.brokenLine;
        this.captured = undefined;
        out.push({
          line: opened,
          endLine: opened,
          fields: [],
          problem: `a quote opened on this line is not closed within ${MAX_RECORD_CHARS} characters; the line was skipped and the lines after it were read on their own`,
        });
        this.reset();
        this.line = opened + 1;
        this.recordLine = this.line;
        this.state = FIELD_START;
        this.lastWasCr = this.captureBreakWasCr;
        this.push(captured, out);
        return;
      }
      this.overflow(out, this.line);
      this.state = SKIP_LINE;
    }
  }

  /** Flushes the last record at the end of the input. */
  end(out: RawRecord[]): void {
    if (this.state === QUOTED && this.captured !== undefined) {
      // The quote opened on one line never closes: report that line, read the rest as records.
      const captured = this.captured;
      const opened = this.brokenLine;
      this.captured = undefined;
      out.push({
        line: opened,
        endLine: opened,
        fields: [],
        problem:
          'a quote opened on this line is never closed; the line was skipped and the lines after it were read on their own',
      });
      this.reset();
      this.line = opened + 1;
      this.recordLine = this.line;
      this.state = FIELD_START;
      this.lastWasCr = this.captureBreakWasCr;
      this.push(captured, out);
      this.end(out);
      return;
    }
    switch (this.state) {
      case QUOTED:
        out.push({
          line: this.recordLine,
          endLine: this.line,
          fields: [],
          problem: `a quoted field is never closed (${this.span()} to the end of the file)`,
        });
        break;
      case UNQUOTED:
      case QUOTED_QUOTE:
        this.endField(this.field);
        this.endRecord(out);
        break;
      case FIELD_START:
        if (this.fields.length > 0) {
          this.endField('');
          this.endRecord(out);
        }
        break;
    }
    this.reset();
  }

  private span(): string {
    return this.line > this.recordLine ? `lines ${this.recordLine}-${this.line}` : `line ${this.line}`;
  }

  /** Reports an over-long record that ends (as far as it is skipped) on `endLine`, and drops it. */
  private overflow(out: RawRecord[], endLine: number): void {
    const why =
      this.state === QUOTED || this.quotedSeen
        ? 'is it missing a closing quote?'
        : 'is this file really a CSV?';
    const span =
      endLine > this.recordLine ? `lines ${this.recordLine}-${endLine}` : `line ${this.recordLine}`;
    out.push({
      line: this.recordLine,
      endLine,
      fields: [],
      problem: `record is longer than ${MAX_RECORD_CHARS} characters (${span} skipped); ${why}`,
    });
    this.reset();
  }

  private endField(value: string): void {
    this.fields.push(value);
    this.recordChars += value.length;
    this.field = '';
  }

  private endRecord(out: RawRecord[]): void {
    const fields = this.fields;
    const blank = fields.length === 1 && fields[0] === '' && !this.quotedSeen;
    if (!blank) {
      this.width ??= fields.length;
      const record: RawRecord = { line: this.recordLine, endLine: this.line, fields };
      if (this.problem !== undefined) record.problem = this.problem;
      out.push(record);
    }
    this.reset();
  }

  private reset(): void {
    this.fields = [];
    this.field = '';
    this.recordChars = 0;
    this.quotedSeen = false;
    this.problem = undefined;
  }

  private newLine(c: number): void {
    this.line++;
    this.recordLine = this.line;
    this.lastWasCr = c === CR;
  }
}

// ---------------------------------------------------------------------------------------------
// Input: bytes → text → records.

interface SourceState {
  bytesRead: number;
  delimiter: Delimiter;
  encoding: 'utf-8' | 'windows-1252';
}

/** Sniffs an xlsx/xls/binary file from its first bytes. */
function looksBinary(bytes: Uint8Array): boolean {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4) {
    return true; // zip: .xlsx, .ods
  }
  if (bytes.length >= 4 && bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0) {
    return true; // OLE2: .xls
  }
  const probe = bytes.subarray(0, 8192);
  return probe.includes(0);
}

/** The delimiters a file may use: comma, semicolon (Brazilian Excel), tab, pipe. */
export type Delimiter = ',' | ';' | '\t' | '|';

/** Counts each delimiter outside quotes on the first line: the most frequent one is the delimiter. */
function sniffDelimiter(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) {
      if (counts[','] + counts[';'] + counts['\t'] + counts['|'] > 0) break;
    } else if (!quoted && (c === ',' || c === ';' || c === '\t' || c === '|')) counts[c]++;
  }
  let best: Delimiter = ',';
  for (const d of [';', '\t', '|'] as const) if (counts[d] > counts[best]) best = d;
  return best;
}

function notCsv(fileName: string): CsvFormatError {
  return new CsvFormatError(
    `${fileName} is not a CSV file (it looks like a spreadsheet or other binary file); export it as CSV`,
  );
}

function hasFirstLine(text: string): boolean {
  return /\S[^\r\n]*[\r\n]/.test(text);
}

async function* readRecords(
  source: AsyncIterable<Buffer | string | Uint8Array>,
  state: SourceState,
  fileName: string,
): AsyncGenerator<RawRecord[], void, undefined> {
  let decoder: TextDecoder | undefined;
  let pending = '';
  let tokenizer: CsvTokenizer | undefined;
  let sawBytes = false;
  const out: RawRecord[] = [];

  const feed = (text: string, final: boolean): void => {
    if (tokenizer === undefined) {
      pending += text;
      if (!final && !hasFirstLine(pending) && pending.length < 65536) return;
      state.delimiter = sniffDelimiter(pending);
      tokenizer = new CsvTokenizer(state.delimiter.charCodeAt(0));
      text = pending;
      pending = '';
    }
    tokenizer.push(text, out);
  };

  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') {
      state.bytesRead += Buffer.byteLength(chunk);
      if (!sawBytes && chunk.slice(0, 8192).includes('\u0000')) throw notCsv(fileName);
      text = sawBytes ? chunk : chunk.replace(/^\uFEFF/, '');
    } else {
      state.bytesRead += chunk.byteLength;
      if (decoder === undefined) {
        if (looksBinary(chunk)) throw notCsv(fileName);
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(chunk, { stream: true });
          decoder = new TextDecoder('utf-8');
        } catch {
          decoder = new TextDecoder('windows-1252');
          state.encoding = 'windows-1252';
        }
      }
      text = decoder.decode(chunk, { stream: true });
    }
    sawBytes = true;
    feed(text, false);
    if (out.length > 0) yield out.splice(0);
  }
  feed(decoder?.decode() ?? '', true);
  tokenizer?.end(out);
  if (out.length > 0) yield out.splice(0);
}

interface OpenedInput {
  stream: AsyncIterable<Buffer | string | Uint8Array>;
  /** Set when this module opened the file, so it must close it. */
  ownStream?: { destroy(): void };
  totalBytes?: number;
  fileName: string;
  path?: string;
}

async function openInput(input: CsvInput, opts: ParseOptions, label: string): Promise<OpenedInput> {
  if (typeof input === 'string') {
    const info = await stat(input);
    if (info.isDirectory()) {
      throw new CsvFormatError(`${input} is a folder, not a file; give the path of the CSV file in it`);
    }
    const stream = createReadStream(input, { highWaterMark: 256 * 1024 });
    return {
      stream,
      ownStream: stream,
      totalBytes: info.size,
      fileName: basename(input),
      path: input,
    };
  }
  const opened: OpenedInput = { stream: input, fileName: `the ${label} file` };
  if (opts.totalBytes !== undefined) opened.totalBytes = opts.totalBytes;
  return opened;
}

// ---------------------------------------------------------------------------------------------
// The parse itself.

interface BoundColumn<R> {
  spec: ColumnSpec<R>;
  index: number;
  header: string;
}

interface Header<R> {
  width: number;
  columns: BoundColumn<R>[];
  found: string[];
  ignored: string[];
  retail: boolean;
  dateIndex?: number;
}

function bindHeader<R>(kind: FileKind<R>, record: RawRecord, fileName: string): Header<R> {
  const found = record.fields.map((name) => name.trim());
  if (found.every((name) => name === '') && record.problem === undefined) {
    throw new CsvFormatError(`${fileName} is empty: expected a header line with customer_id`);
  }
  if (record.problem !== undefined) {
    throw new CsvFormatError(`${fileName}: the header line is malformed: ${record.problem}`, found);
  }
  const columns: BoundColumn<R>[] = [];
  const ignored: string[] = [];
  let retail = false;
  found.forEach((header, index) => {
    const key = normaliseHeader(header);
    const spec = kind.columns.find((c) => c.aliases.includes(key) || c.retailAliases?.includes(key));
    if (spec === undefined) {
      ignored.push(header);
      return;
    }
    const clash = columns.find((c) => c.spec === spec);
    if (clash !== undefined) {
      throw new CsvFormatError(
        `${fileName}: columns "${clash.header}" and "${header}" both look like ${spec.name}; keep one`,
        found,
      );
    }
    if (spec.retailAliases?.includes(key)) retail = true;
    columns.push({ spec, index, header });
  });
  for (const spec of kind.columns) {
    if (spec.required && !columns.some((c) => c.spec === spec)) {
      const shown = found.length > 0 ? found.map((f) => `"${f}"`).join(', ') : '(none)';
      throw new CsvFormatError(
        `${fileName} has no ${spec.name} column, which is required; columns found: ${shown}. ` +
          `Accepted names for it: ${spec.aliases.join(', ')}`,
        found,
      );
    }
  }
  const header: Header<R> = { width: found.length, columns, found, ignored, retail };
  const dateColumn = columns.find((c) => c.spec.isDate);
  if (dateColumn !== undefined) header.dateIndex = dateColumn.index;
  return header;
}

const SHORT_DATE = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}/;

/** What one date value says about the order: `dmy`, `mdy`, or nothing. */
function dateEvidence(value: string | undefined): 'dmy' | 'mdy' | undefined {
  if (value === undefined) return undefined;
  const m = SHORT_DATE.exec(value);
  if (!m) return undefined;
  const first = Number(m[1]);
  const second = Number(m[2]);
  if (first > 12 && second <= 12) return 'dmy';
  if (second > 12 && first <= 12) return 'mdy';
  return undefined;
}

/** Records held back while `auto` looks for a date that settles the order, on a stream input. */
const MAX_HELD_RECORDS = 50_000;

function quote(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

function toItem<R>(header: Header<R>, record: RawRecord, ctx: ReadContext): ParseItem<R> {
  const line = record.line;
  if (record.problem !== undefined) return { error: { line, message: `line ${line}: ${record.problem}` } };
  if (record.fields.length !== header.width) {
    const extra = record.endLine > line ? ` (lines ${line}-${record.endLine})` : '';
    return {
      error: {
        line,
        message: `line ${line}: expected ${header.width} fields like the header, found ${record.fields.length}${extra}`,
      },
    };
  }
  const row: Record<string, unknown> = { line };
  let problems: string[] | undefined;
  for (const column of header.columns) {
    const value = (record.fields[column.index] ?? '').trim();
    if (value === '') {
      if (column.spec.required) {
        const empty = record.fields.every((f) => f.trim() === '');
        problems ??= [];
        problems.push(empty ? 'the row is empty' : `${column.header} is empty`);
      }
      continue;
    }
    const read = column.spec.read(value, ctx);
    if (read instanceof Invalid) {
      problems ??= [];
      problems.push(`${column.header} ${quote(value)} ${read.reason}`);
    } else row[column.spec.field as string] = read;
  }
  if (problems !== undefined) return { error: { line, message: `line ${line}: ${problems.join('; ')}` } };
  return { row: row as R };
}

/** Reads a file once more, only until a date settles the day/month order. */
async function scanDateOrder<R>(
  kind: FileKind<R>,
  path: string,
  fileName: string,
): Promise<'dmy' | 'mdy' | undefined> {
  const state: SourceState = { bytesRead: 0, delimiter: ',', encoding: 'utf-8' };
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  let dateIndex: number | undefined;
  try {
    for await (const batch of readRecords(stream, state, fileName)) {
      for (const record of batch) {
        if (dateIndex === undefined) {
          dateIndex = bindHeader(kind, record, fileName).dateIndex;
          if (dateIndex === undefined) return undefined;
          continue;
        }
        const evidence = dateEvidence(record.fields[dateIndex]);
        if (evidence !== undefined) return evidence;
      }
    }
  } finally {
    stream.destroy();
  }
  return undefined;
}

async function* parseFile<R>(
  kind: FileKind<R>,
  input: CsvInput,
  opts: ParseOptions,
): AsyncGenerator<ParseItem<R>, ParseSummary, undefined> {
  const opened = await openInput(input, opts, kind.label);
  const state: SourceState = { bytesRead: 0, delimiter: ',', encoding: 'utf-8' };
  const requestedOrder = opts.dateOrder ?? 'auto';
  let rows = 0;
  let errors = 0;
  let header: Header<R> | undefined;
  let ctx: ReadContext | undefined;
  let held: RawRecord[] | undefined;

  let lastReportAt = Date.now();
  let rowsAtLastReport = 0;
  const report = (final: boolean): void => {
    if (opts.onProgress === undefined) return;
    const done = rows + errors;
    if (!final && done - rowsAtLastReport < 10_000 && Date.now() - lastReportAt < 200) return;
    lastReportAt = Date.now();
    rowsAtLastReport = done;
    const progress: ParseProgress = { bytesRead: state.bytesRead, rows, errors };
    if (opened.totalBytes !== undefined) progress.totalBytes = opened.totalBytes;
    opts.onProgress(progress);
  };

  const emit = (record: RawRecord, activeCtx: ReadContext): ParseItem<R> => {
    const item = toItem(header as Header<R>, record, activeCtx);
    if ('row' in item) rows++;
    else errors++;
    return item;
  };

  const decide = (order: 'dmy' | 'mdy' | undefined): ReadContext => {
    const fallback = header?.retail ? 'mdy' : 'dmy';
    return {
      dateOrder: order ?? fallback,
      dateOrderGuessed: true,
      allowNegative: opts.allowNegativeAmounts === true,
    };
  };

  try {
    for await (const batch of readRecords(opened.stream, state, opened.fileName)) {
      for (const record of batch) {
        if (header === undefined) {
          header = bindHeader(kind, record, opened.fileName);
          if (requestedOrder !== 'auto') {
            ctx = {
              dateOrder: requestedOrder,
              dateOrderGuessed: false,
              allowNegative: opts.allowNegativeAmounts === true,
            };
          } else if (header.dateIndex === undefined) ctx = decide(undefined);
          else if (opened.path !== undefined) {
            ctx = decide(await scanDateOrder(kind, opened.path, opened.fileName));
          } else held = [];
          continue;
        }
        if (ctx === undefined) {
          // A stream cannot be read twice: hold records back until a date settles the order.
          const pending = held ?? [];
          pending.push(record);
          const evidence = dateEvidence(record.fields[header.dateIndex ?? -1]);
          if (evidence === undefined && pending.length < MAX_HELD_RECORDS) continue;
          ctx = decide(evidence);
          held = undefined;
          for (const waiting of pending) {
            yield emit(waiting, ctx);
            report(false);
          }
          continue;
        }
        yield emit(record, ctx);
        report(false);
      }
    }
    if (header === undefined) {
      throw new CsvFormatError(`${opened.fileName} is empty: expected a header line with customer_id`);
    }
    if (held !== undefined) {
      ctx = decide(undefined);
      for (const waiting of held) yield emit(waiting, ctx);
    }
    report(true);
    const summary: ParseSummary = {
      rows,
      errors,
      bytesRead: state.bytesRead,
      delimiter: state.delimiter,
      encoding: state.encoding,
      columns: header.found,
      ignoredColumns: header.ignored,
    };
    if (header.dateIndex !== undefined && ctx !== undefined) summary.dateOrder = ctx.dateOrder;
    return summary;
  } finally {
    opened.ownStream?.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Any table (e.g. a ready feature table with a label column), with the same reading rules.

/** One record of {@link parseTable}: its 1-based first line and its fields as text (not trimmed). */
export interface TableRecord {
  line: number;
  fields: string[];
  /** Set when the record is malformed (e.g. an unclosed quote); its fields must not be used. */
  problem?: string;
}

/**
 * Reads any CSV with the same rules as the exports (delimiter sniffing, UTF-8/BOM/Windows-1252,
 * quotes, line numbers): the header is returned first as `{ header }`, then each record.
 *
 * @throws {CsvFormatError} when the file is empty or binary.
 */
export async function* parseTable(
  input: CsvInput,
): AsyncGenerator<
  { header: string[]; encoding: 'utf-8' | 'windows-1252'; delimiter: Delimiter } | TableRecord
> {
  const opened = await openInput(input, {}, 'table');
  const state: SourceState = { bytesRead: 0, delimiter: ',', encoding: 'utf-8' };
  let sawHeader = false;
  try {
    for await (const batch of readRecords(opened.stream, state, opened.fileName)) {
      for (const record of batch) {
        if (!sawHeader) {
          const header = record.fields.map((f) => f.trim());
          if (header.every((h) => h === '')) {
            throw new CsvFormatError(`${opened.fileName} is empty: expected a header line`);
          }
          sawHeader = true;
          yield { header, encoding: state.encoding, delimiter: state.delimiter };
          continue;
        }
        const out: TableRecord = { line: record.line, fields: record.fields };
        if (record.problem !== undefined) out.problem = record.problem;
        yield out;
      }
    }
    if (!sawHeader) throw new CsvFormatError(`${opened.fileName} is empty: expected a header line`);
  } finally {
    opened.ownStream?.destroy();
  }
}
