import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CsvFormatError,
  type CustomerRow,
  type ParseItem,
  type ParseOptions,
  type ParseProgress,
  type ParseSummary,
  parseCustomers,
  parseTransactions,
  type RowError,
  type TransactionRow,
} from './csv.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const RETAIL_CSV = resolve(REPO_ROOT, '../shared/data/retail-transactions/Retail_Data_Transactions.csv');
const GYM_CHURN_CSV = resolve(REPO_ROOT, '../shared/data/gym-churn/gym_churn_us.csv');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gymedge-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Parsed<R> {
  rows: R[];
  errors: RowError[];
  summary: ParseSummary;
}

async function collect<R>(gen: AsyncGenerator<ParseItem<R>, ParseSummary, undefined>): Promise<Parsed<R>> {
  const rows: R[] = [];
  const errors: RowError[] = [];
  for (;;) {
    const next = await gen.next();
    if (next.done) return { rows, errors, summary: next.value };
    if ('row' in next.value) rows.push(next.value.row);
    else errors.push(next.value.error);
  }
}

const stream = (text: string | Buffer) =>
  Readable.from([typeof text === 'string' ? Buffer.from(text) : text]);

const customers = (text: string | Buffer, opts?: ParseOptions) =>
  collect<CustomerRow>(parseCustomers(stream(text), opts));
const transactions = (text: string | Buffer, opts?: ParseOptions) =>
  collect<TransactionRow>(parseTransactions(stream(text), opts));

async function fileOf(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function formatError(run: () => Promise<unknown>): Promise<CsvFormatError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CsvFormatError) return error;
    throw error;
  }
  throw new Error('expected a CsvFormatError');
}

describe('headers', () => {
  it('matches names in any case, with spaces, accents and Portuguese aliases', async () => {
    const { rows, errors, summary } = await customers(
      ' Customer_ID ;IDADE; Sexo ;Data de Cadastro;Bairro;Churn;Observação\n' +
        'c-1;34;F;25/12/2020;Moema;sim;cliente antiga\n',
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        customerId: 'c-1',
        age: 34,
        gender: 'female',
        signupDate: '2020-12-25',
        region: 'Moema',
        churn: true,
      },
    ]);
    expect(summary.ignoredColumns).toEqual(['Observação']);
    expect(summary.delimiter).toBe(';');
  });

  it('reads the retail data set header (trans_date, tran_amount) as date and amount, month first', async () => {
    const { rows, summary } = await transactions('customer_id,trans_date,tran_amount\nCS5295,2/11/2013,35\n');
    expect(rows).toEqual([{ line: 2, customerId: 'CS5295', date: '2013-02-11', amountCents: 3500 }]);
    expect(summary.dateOrder).toBe('mdy');
  });

  it('accepts files with only some columns; absent columns stay undefined', async () => {
    const { rows } = await transactions('valor;customer_id\n"R$ 12,50";A1\n');
    expect(rows).toEqual([{ line: 2, customerId: 'A1', amountCents: 1250 }]);
  });

  it('rejects a file without customer_id, naming the columns it found', async () => {
    const error = await formatError(() => transactions('cliente_nome,date,amount\nAna,2024-01-02,10\n'));
    expect(error.message).toContain('no customer_id column');
    expect(error.message).toContain('"cliente_nome", "date", "amount"');
    expect(error.columns).toEqual(['cliente_nome', 'date', 'amount']);
  });

  it('rejects two columns that mean the same field', async () => {
    const error = await formatError(() => transactions('customer_id,valor,amount\nA,1,2\n'));
    expect(error.message).toContain('"valor" and "amount" both look like amount');
  });

  it('rejects empty files, BOM-only files and blank files', async () => {
    for (const content of ['', '\uFEFF', '\n\n  \n']) {
      const error = await formatError(() => customers(content));
      expect(error.message).toContain('is empty');
    }
  });

  it('rejects a spreadsheet saved with a .csv name', async () => {
    const xlsx = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00]);
    const error = await formatError(() => customers(xlsx));
    expect(error.message).toMatch(/not a CSV file/);
  });

  it('names the file in whole-file errors when given a path', async () => {
    const path = await fileOf('no-id.csv', 'name;age\nAna;30\n');
    const error = await formatError(() => collect(parseCustomers(path)));
    expect(error.message).toMatch(/^no-id\.csv has no customer_id column/);
  });

  it('accepts a header-only file as zero rows', async () => {
    const { rows, errors } = await customers('customer_id,age\n');
    expect(rows).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('file format', () => {
  it('tolerates a UTF-8 BOM, CRLF line ends and quoted fields with delimiters and quotes', async () => {
    const csv = '\uFEFFcustomer_id,region,age\r\n"a1","Jardim Paulista, SP",30\r\na2,"Bar ""do Zé""",40\r\n';
    const { rows, errors } = await customers(csv);
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { line: 2, customerId: 'a1', region: 'Jardim Paulista, SP', age: 30 },
      { line: 3, customerId: 'a2', region: 'Bar "do Zé"', age: 40 },
    ]);
  });

  it('picks ";" when the header has more semicolons than commas, so decimal commas stay in the value', async () => {
    const { rows, summary } = await transactions(
      'customer_id;transaction_date;amount;service\nA;2024-03-01;129,90;Mensalidade\n',
    );
    expect(summary.delimiter).toBe(';');
    expect(rows[0]).toEqual({
      line: 2,
      customerId: 'A',
      date: '2024-03-01',
      amountCents: 12990,
      service: 'Mensalidade',
    });
  });

  it('counts lines inside quoted fields: later rows and errors name the line their record starts on', async () => {
    const csv =
      'customer_id,service,amount\n' +
      'a,"Plano\nAnual",10\n' + // lines 2-3: a label with a newline is refused, reported at line 2
      'b,Mensal,20\n' + // line 4
      'c,"Personal\r\ncom\r\nJoão",x\n' + // lines 5-7, CRLF inside quotes
      'd,Mensal,30\n'; // line 8
    const { rows, errors } = await transactions(csv);
    expect(rows.map((r) => [r.customerId, r.line])).toEqual([
      ['b', 4],
      ['d', 8],
    ]);
    expect(errors.map((e) => e.line)).toEqual([2, 5]);
    expect(errors[0]?.message).toMatch(/^line 2: service "Plano\\nAnual" contains .*control characters/);
    expect(errors[1]?.message).toContain('amount "x" is not a number');
  });

  it('reports rows with the wrong number of fields and keeps reading the rows after them', async () => {
    const { rows, errors } = await customers('customer_id,age\na,30\nb,31,extra\nc\nd,33\n');
    expect(rows.map((r) => r.customerId)).toEqual(['a', 'd']);
    expect(errors).toEqual([
      { line: 3, message: 'line 3: expected 2 fields like the header, found 3' },
      { line: 4, message: 'line 4: expected 2 fields like the header, found 1' },
    ]);
  });

  it('reports text after a closing quote, and a quote never closed, at the line the record starts', async () => {
    const { rows, errors } = await customers('customer_id,age\n"a"b,30\nc,31\n"d,32\ne,33\n');
    // The broken quote on line 4 costs that line only: line 5 is read as the row it is.
    expect(rows.map((r) => [r.customerId, r.line])).toEqual([
      ['c', 3],
      ['e', 5],
    ]);
    expect(errors).toEqual([
      { line: 2, message: 'line 2: field 1 has text after its closing quote' },
      {
        line: 4,
        message:
          'line 4: a quote opened on this line is never closed; the line was skipped and the lines after it were read on their own',
      },
    ]);
  });

  it('stops a runaway quote after 1 MiB, reports its first line and reads every line after it', async () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => `c${i},30`);
    const csv = `customer_id,age\na,20\n"b,21\n${rows.join('\n')}\n`;
    const { rows: good, errors } = await customers(csv);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(3);
    expect(errors[0]?.message).toMatch(
      /^line 3: a quote opened on this line is not closed within 1048576 characters/,
    );
    expect(good[0]).toEqual({ line: 2, customerId: 'a', age: 20 });
    expect(good).toHaveLength(150_001); // every row after the broken line is read
    expect(good.at(-1)).toEqual({ line: 150_003, customerId: 'c149999', age: 30 });
  });

  it('a broken quote in the middle costs one record: the valid rows after it are read, at their own lines', async () => {
    const csv = [
      'customer_id,age,region',
      'a,20,Sul',
      'b,"21,Sul', // 3: never closed on its line
      'c,22,Sul',
      'd,23,Sul',
      'e,24,"Zona ""Sul"""', // a proper quoted field with quotes inside
      'f,25,Centro',
    ].join('\r\n');
    const { rows, errors } = await customers(`${csv}\r\n`);
    expect(rows.map((r) => [r.customerId, r.line])).toEqual([
      ['a', 2],
      ['c', 4],
      ['d', 5],
      ['e', 6],
      ['f', 7],
    ]);
    expect(rows.find((r) => r.customerId === 'e')?.region).toBe('Zona "Sul"');
    expect(errors.map((e) => e.line)).toEqual([3]);
    expect(errors[0]?.message).toMatch(/^line 3: a quote opened on this line is (not|never) closed/);
  });

  it('a quoted field may still span lines when the record fits the header', async () => {
    const { rows, errors } = await customers('customer_id,age\n"a\nb",30\nc,31\n');
    // The record of lines 2-3 fits the header, so it is one record (whose id then has a line break).
    expect(errors.map((e) => e.line)).toEqual([2]);
    expect(errors[0]?.message).not.toMatch(/quote/);
    expect(rows.map((r) => [r.customerId, r.line])).toEqual([['c', 4]]);
  });

  it('skips blank lines but reports rows whose fields are all empty', async () => {
    const { rows, errors } = await customers('customer_id;age\n\na;30\n;\n\nb;31\n');
    expect(rows.map((r) => [r.customerId, r.line])).toEqual([
      ['a', 3],
      ['b', 6],
    ]);
    expect(errors).toEqual([{ line: 4, message: 'line 4: the row is empty' }]);
  });

  it('gives the same result however the bytes are chunked (CRLF and UTF-8 characters split)', async () => {
    const csv =
      'customer_id;region;signup_date;gender\r\n' +
      'a1;"São João\r\nda Boa Vista";03/02/2024;feminino\r\n' +
      'a2;Conceição;2024-02-29;M\r\n' +
      'a3;Gonçalves;31/12/2023;Não informado';
    const whole = await customers(csv);
    const bytes = Buffer.from(csv);
    const oneByteChunks = Readable.from(Array.from(bytes, (b) => Buffer.from([b])));
    const split = await collect(parseCustomers(oneByteChunks));
    expect(split.rows).toEqual(whole.rows);
    expect(split.errors).toEqual(whole.errors);
    expect(whole.rows.map((r) => r.line)).toEqual([4, 5]);
    expect(whole.rows[1]).toEqual({
      line: 5,
      customerId: 'a3',
      region: 'Gonçalves',
      signupDate: '2023-12-31',
      gender: 'undisclosed',
    });
    expect(whole.errors[0]?.line).toBe(2);
  });

  it('reads a file that is not UTF-8 as Windows-1252 (Excel on Windows), keeping accents', async () => {
    const latin1 = Buffer.from('customer_id;region\nx1;São Paulo\nx2;Jabaquara\n', 'latin1');
    const { rows, summary } = await customers(latin1);
    expect(summary.encoding).toBe('windows-1252');
    expect(rows.map((r) => r.region)).toEqual(['São Paulo', 'Jabaquara']);
  });

  it('reads from a path as well as from a stream', async () => {
    const path = await fileOf('tx.csv', 'customer_id,date,value\nK9,2024-05-06,"1.234,56"\n');
    const { rows, summary } = await collect(parseTransactions(path));
    expect(rows).toEqual([{ line: 2, customerId: 'K9', date: '2024-05-06', amountCents: 123456 }]);
    expect(summary.bytesRead).toBe((await stat(path)).size);
  });
});

describe('dates', () => {
  it('reads ISO dates (a time of day is dropped), DD/MM/YYYY and M/D/YYYY', async () => {
    const csv = 'customer_id,signup_date\na,2024-01-31\nb,2024-01-31T23:10:00Z\nc,31/01/2024\nd,2024/1/5\n';
    const { rows, errors } = await customers(csv);
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.signupDate)).toEqual(['2024-01-31', '2024-01-31', '2024-01-31', '2024-01-05']);
  });

  it('auto: a later day over 12 proves day-first for the whole file, including rows read before it', async () => {
    const csv = 'customer_id,transaction_date\na,01/02/2024\nb,03/04/2024\nc,25/12/2024\n';
    for (const run of [
      () => transactions(csv),
      async () => collect(parseTransactions(await fileOf('dmy.csv', csv))),
    ]) {
      const { rows, summary } = await run();
      expect(rows.map((r) => r.date)).toEqual(['2024-02-01', '2024-04-03', '2024-12-25']);
      expect(summary.dateOrder).toBe('dmy');
    }
  });

  it('auto: a second part over 12 proves month-first', async () => {
    const csv = 'customer_id,signup_date\na,01/02/2024\nb,12/25/2024\n';
    const { rows, summary } = await customers(csv);
    expect(rows.map((r) => r.signupDate)).toEqual(['2024-01-02', '2024-12-25']);
    expect(summary.dateOrder).toBe('mdy');
  });

  it('auto: when nothing decides, day-first for our headers and month-first for the retail header', async () => {
    const ours = await transactions('customer_id,transaction_date\na,01/02/2024\n');
    expect(ours.rows[0]?.date).toBe('2024-02-01');
    const retail = await transactions('customer_id,trans_date\na,01/02/2024\n');
    expect(retail.rows[0]?.date).toBe('2024-01-02');
  });

  it('a date that contradicts the order the file was read in is reported, saying why', async () => {
    const { rows, errors } = await transactions('customer_id,date\na,25/12/2024\nb,12/25/2024\n');
    expect(rows.map((r) => r.date)).toEqual(['2024-12-25']);
    expect(errors).toEqual([
      {
        line: 3,
        message:
          'line 3: date "12/25/2024" is not a real DD/MM/YYYY date (read DD/MM/YYYY as the other dates of this file are)',
      },
    ]);
  });

  it('the dateOrder option overrides the guess', async () => {
    const { rows, errors } = await customers('customer_id,signup_date\na,03/04/2024\nb,25/12/2024\n', {
      dateOrder: 'mdy',
    });
    expect(rows.map((r) => r.signupDate)).toEqual(['2024-03-04']);
    expect(errors[0]?.message).toBe(
      'line 3: signup_date "25/12/2024" is not a real M/D/YYYY date (read M/D/YYYY as the dateOrder option asks)',
    );
  });

  it('refuses impossible and malformed dates', async () => {
    const { errors } = await customers(
      'customer_id,signup_date\na,2023-02-29\nb,31/04/2024\nc,ontem\nd,1/2/24\ne,2024-13-01\n',
    );
    expect(errors.map((e) => e.message)).toEqual([
      'line 2: signup_date "2023-02-29" is not a real date',
      'line 3: signup_date "31/04/2024" is not a real DD/MM/YYYY date (read DD/MM/YYYY as the other dates of this file are)',
      'line 4: signup_date "ontem" is not a date (expected YYYY-MM-DD, DD/MM/YYYY or M/D/YYYY)',
      'line 5: signup_date "1/2/24" is not a date (expected YYYY-MM-DD, DD/MM/YYYY or M/D/YYYY)',
      'line 6: signup_date "2024-13-01" is not a real date',
    ]);
  });
});

describe('amounts', () => {
  const cases: [string, number][] = [
    ['35', 3500],
    ['12.50', 1250],
    ['12,50', 1250],
    ['12,5', 1250],
    ['0,99', 99],
    ['1.234,56', 123456],
    ['1,234.56', 123456],
    ['R$ 12,50', 1250],
    ['R$1.299,90', 129990],
    ['1.234', 123400],
    ['1.234.567', 123456700],
    ['129.90', 12990],
    ['10.00', 1000],
    ['0', 0],
  ];
  it.each(cases)('reads %s as %i cents', async (text, cents) => {
    const { rows, errors } = await transactions(`customer_id;amount\nA;"${text}"\n`);
    expect(errors).toEqual([]);
    expect(rows[0]?.amountCents).toBe(cents);
  });

  const bad: [string, string][] = [
    ['12,5x', 'amount "12,5x" is not a number'],
    ['-12,50', 'amount "-12,50" is negative (refunds are not imported)'],
    ['R$ -5', 'amount "R$ -5" is negative (refunds are not imported)'],
    ['(30,00)', 'amount "(30,00)" is negative (refunds are not imported)'],
    ['12,345,6', 'amount "12,345,6" is not a number (misplaced thousands separator)'],
    ['1.23456', 'amount "1.23456" has more than 2 decimal places'],
    ['12,', 'amount "12," is not a number'],
    ['abc', 'amount "abc" is not a number'],
    ['999999999999', 'amount "999999999999" is too large'],
  ];
  it.each(bad)('refuses %s', async (text, message) => {
    const { rows, errors } = await transactions(`customer_id;amount\nA;"${text}"\n`);
    expect(rows).toEqual([]);
    expect(errors).toEqual([{ line: 2, message: `line 2: ${message}` }]);
  });
});

describe('customer values', () => {
  it('reads genders in English, Portuguese and 0/1 (1 = male, 0 = female, as the gym churn set)', async () => {
    const values = ['M', 'f', 'Male', 'FEMALE', 'masculino', 'Feminino', '1', '0', 'outro', 'Other', ''];
    const csv = `customer_id,gender\n${values.map((g, i) => `c${i},${g}`).join('\n')}\n`;
    const { rows, errors } = await customers(csv);
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.gender)).toEqual([
      'male',
      'female',
      'male',
      'female',
      'male',
      'female',
      'male',
      'female',
      'other',
      'other',
      undefined,
    ]);
  });

  it('refuses an unknown gender', async () => {
    const { errors } = await customers('customer_id,gender\nc,2\n');
    expect(errors[0]?.message).toMatch(/^line 2: gender "2" is not a gender/);
  });

  it('reads churn as yes/no in several spellings', async () => {
    const values = ['1', '0', 'true', 'FALSE', 'yes', 'no', 'Sim', 'Não', 'nao'];
    const csv = `customer_id,churn\n${values.map((v, i) => `c${i},${v}`).join('\n')}\n`;
    const { rows, errors } = await customers(csv);
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.churn)).toEqual([true, false, true, false, true, false, true, false, false]);
    const bad = await customers('customer_id,churn\nc,talvez\n');
    expect(bad.errors[0]?.message).toMatch(/^line 2: churn "talvez" is not yes\/no/);
  });

  it('accepts ages 10 to 110 as whole numbers', async () => {
    const { rows, errors } = await customers(
      'customer_id,age\na,10\nb,110\nc,34.0\nd,9\ne,111\nf,33.5\ng,trinta\n',
    );
    expect(rows.map((r) => r.age)).toEqual([10, 110, 34]);
    expect(errors.map((e) => e.message)).toEqual([
      'line 5: age "9" is not between 10 and 110',
      'line 6: age "111" is not between 10 and 110',
      'line 7: age "33.5" is not a whole number of years',
      'line 8: age "trinta" is not a whole number of years',
    ]);
  });

  it('trims regions and refuses markup, control characters and labels over 80 characters', async () => {
    const long = 'x'.repeat(81);
    const csv = `customer_id;region\na;  Vila Mariana  \nb;<script>\nc;${long}\nd;${'y'.repeat(80)}\ne;a\\b\n`;
    const { rows, errors } = await customers(csv);
    expect(rows.map((r) => r.region)).toEqual(['Vila Mariana', 'y'.repeat(80)]);
    expect(errors.map((e) => e.message)).toEqual([
      'line 3: region "<script>" contains <, >, {, }, \\ or control characters',
      `line 4: region "${'x'.repeat(40)}…" is longer than 80 characters`,
      'line 6: region "a\\\\b" contains <, >, {, }, \\ or control characters',
    ]);
  });

  it('checks customer_id: required, at most 64 characters of letters, digits, ".", "_" and "-"', async () => {
    const csv = `customer_id,age\nCS.12_3-a,20\n,21\nCS 12,22\n${'a'.repeat(65)},23\n${'b'.repeat(64)},24\n`;
    const { rows, errors } = await customers(csv);
    expect(rows.map((r) => r.line)).toEqual([2, 6]);
    expect(errors.map((e) => e.message)).toEqual([
      'line 3: customer_id is empty',
      'line 4: customer_id "CS 12" may only hold letters, digits, ".", "_" and "-"',
      `line 5: customer_id "${'a'.repeat(40)}…" is longer than 64 characters`,
    ]);
  });

  it('lists every bad value of a row in one message', async () => {
    const { errors } = await customers('customer_id,age,gender,churn\nc,300,?,talvez\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/^line 2: age "300" .*; gender "\?" .*; churn "talvez" /);
  });
});

describe('transaction values', () => {
  it('leaves service undefined when blank: no default is applied', async () => {
    const { rows } = await transactions(
      'customer_id,date,amount,service\na,2024-01-01,10,\nb,2024-01-01,10,Personal\n',
    );
    expect(rows.map((r) => r.service)).toEqual([undefined, 'Personal']);
    expect('service' in (rows[0] ?? {})).toBe(false);
  });

  it('never drops a row: every data line is either a row or an error', async () => {
    const lines = [
      'a,2024-01-01,10',
      'b,2024-99-01,10',
      'c,2024-01-02,-1',
      'd,2024-01-03,7,extra',
      'e,2024-01-04,1',
    ];
    const { rows, errors, summary } = await transactions(`customer_id,date,amount\n${lines.join('\n')}\n`);
    expect(rows.map((r) => r.customerId)).toEqual(['a', 'e']);
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5]);
    expect(summary.rows + summary.errors).toBe(lines.length);
  });
});

describe('large files', () => {
  it('streams a 200,000-row file, reporting progress up to its full size', async () => {
    const path = join(dir, 'big-transactions.csv');
    const out = createWriteStream(path);
    out.write('customer_id;transaction_date;amount;service\n');
    for (let i = 0; i < 200_000; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      const month = String((i % 12) + 1).padStart(2, '0');
      out.write(`M${i % 3000};${day}/${month}/2024;${100 + (i % 50)},90;Mensalidade\n`);
    }
    await new Promise<void>((done, fail) =>
      out.end((error?: Error | null) => (error ? fail(error) : done())),
    );
    const size = (await stat(path)).size;

    const progress: ParseProgress[] = [];
    let rows = 0;
    let last: TransactionRow | undefined;
    for await (const item of parseTransactions(path, { onProgress: (p) => progress.push(p) })) {
      if ('error' in item) throw new Error(item.error.message);
      rows++;
      last = item.row;
    }
    expect(rows).toBe(200_000);
    expect(last).toEqual({
      line: 200_001,
      customerId: `M${199_999 % 3000}`,
      date: '2024-08-24', // 199,999 % 28 + 1 = 24, 199,999 % 12 + 1 = 8
      amountCents: 14990,
      service: 'Mensalidade',
    });
    expect(progress.length).toBeGreaterThanOrEqual(20); // at least every 10k rows
    expect(progress.at(-1)).toEqual({ bytesRead: size, totalBytes: size, rows: 200_000, errors: 0 });
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]?.bytesRead).toBeGreaterThanOrEqual(progress[i - 1]?.bytesRead ?? 0);
    }
    expect(progress[0]?.bytesRead).toBeLessThan(size); // reported while reading, not only at the end
  });
});

describe('public data sets', () => {
  it.skipIf(!existsSync(RETAIL_CSV))(
    'reads the retail transactions set (../shared/data/retail-transactions; skipped when missing): 125,000 rows, 6,889 customers',
    async () => {
      const customersSeen = new Set<string>();
      let rows = 0;
      let first: TransactionRow | undefined;
      const errors: RowError[] = [];
      for await (const item of parseTransactions(RETAIL_CSV)) {
        if ('error' in item) errors.push(item.error);
        else {
          rows++;
          customersSeen.add(item.row.customerId);
          first ??= item.row;
        }
      }
      expect(errors).toEqual([]);
      expect(rows).toBe(125_000);
      expect(customersSeen.size).toBe(6_889);
      // Line 2 of the file: CS5295,2/11/2013,35
      expect(first).toEqual({ line: 2, customerId: 'CS5295', date: '2013-02-11', amountCents: 3500 });
    },
  );

  it.skipIf(!existsSync(GYM_CHURN_CSV))(
    'refuses the gym churn set as customers (no customer_id; ../shared/data/gym-churn; skipped when missing)',
    async () => {
      const error = await formatError(() => collect(parseCustomers(GYM_CHURN_CSV)));
      expect(error.message).toMatch(/^gym_churn_us\.csv has no customer_id column/);
      expect(error.columns).toContain('Contract_period');
    },
  );
});
