import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanData, QUICK_GRID, synthesize, TrainingDataError, toCsv, trainFromEvents } from '@gymedge/ml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExports, loadFeatureTable } from '../src/ml/load.ts';
import { hasStackTrace, runCli } from './support/unit-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'gymedge-ml-cli-'));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bad input is refused with a clear message or fixed and reported', () => {
  it('an empty file and a header-only file', async () => {
    const tx = file('tx.csv', 'customer_id,transaction_date,amount\nC1,2026-01-01,10\n');
    await expect(loadExports(file('empty.csv', ''), tx)).rejects.toThrow(/empty\.csv is empty/);
    await expect(
      loadExports(undefined, file('header.csv', 'customer_id,transaction_date,amount\n')),
    ).rejects.toThrow(/no readable dated rows/);
    await expect(loadExports(file('hc.csv', 'customer_id,age\n'), tx)).rejects.toThrow(
      /header but no readable rows/,
    );
  });

  it('semicolons, a BOM, Latin-1, day-first dates, Brazilian amounts, returns, unknown columns and customers', async () => {
    const customers = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('customer_id;idade;região;cor_favorita\n00123;34;Centro;azul\n7;;Zona Sul;verde\n', 'utf8'),
    ]);
    // Windows-1252: "São Paulo" with ã = 0xe3.
    const latin = Buffer.from(
      'customer_id;data;valor;servico\n123;25/12/2025;R$ 129,90;mensalidade\n123.0;13/01/2026;-35,00;devolução\n7;01/02/2026;1.234,56;personal\n99;02/02/2026;10,00;S\u00e3o Paulo\n7;31/02/2026;5,00;x\n',
      'latin1',
    );
    const loaded = await loadExports(file('c.csv', customers), file('t.csv', latin), { today: '2026-12-01' });
    const r = loaded.data.report;
    expect(r.notes.join('\n')).toMatch(/windows-1252/);
    expect(r.notes.join('\n')).toMatch(/columns ignored: cor_favorita/);
    expect(r.returns).toBe(1);
    expect(r.returnsTotal).toBeCloseTo(35);
    expect(r.unknownCustomers).toBe(1);
    expect(r.unknownCustomerSample).toEqual(['99']);
    expect(r.idsNormalised).toBeGreaterThan(0);
    // 31/02 does not exist: the row is refused with its line number, not guessed.
    expect(r.rowErrors.some((e) => e.line === 6 && /not a real DD\/MM\/YYYY date/.test(e.message))).toBe(
      true,
    );
    expect(loaded.data.activities.get('123')?.map((a) => a.date)).toEqual(['2025-12-25', '2026-01-13']);
    expect(loaded.data.activities.get('99')?.[0]?.service).toBe('São Paulo');
  });

  it('a single class of labels and too few rows stop training with the reason', () => {
    const s = synthesize({ customers: 300, seed: 2 });
    const labelled = s.customers.map((c) => ({ ...c, churn: false }));
    const clean = cleanData(labelled, s.activities, { today: '2026-12-01' });
    expect(() => trainFromEvents(clean, { labelMode: 'column', grid: QUICK_GRID })).toThrow(/nobody churned/);
    const few = synthesize({ customers: 12, seed: 3 });
    expect(() =>
      trainFromEvents(cleanData(few.customers, few.activities, { today: '2026-12-01' }), {
        grid: QUICK_GRID,
      }),
    ).toThrow(TrainingDataError);
  });

  it('a feature table: missing label column, non-binary labels by line, a label copy dropped', async () => {
    await expect(loadFeatureTable(file('f1.csv', 'a,b\n1,2\n'), 'Churn')).rejects.toThrow(
      /no column "Churn"; columns: a, b/,
    );
    await expect(loadFeatureTable(file('f2.csv', 'a,Churn\n1,0\n2,maybe\n3,1\n'), 'Churn')).rejects.toThrow(
      /not on line 3/,
    );
    const t = await loadFeatureTable(
      file('f3.csv', 'a,Churn,Churn_label\n1,0,No\n2,1,Yes\n,0,No\n'),
      'Churn',
    );
    expect(t.dataset.names).toEqual(['a']);
    expect(t.notes.join('\n')).toMatch(/Churn_label is a copy of the label/);
    expect(t.notes.join('\n')).toMatch(/1 empty cells set to the median/);
    // A table to score has no label: allowed when asked for.
    const s = await loadFeatureTable(file('f4.csv', 'a,b\n1,2\n3,4\n'), 'Churn', { labelOptional: true });
    expect(s.dataset.names).toEqual(['a', 'b']);
    expect(s.dataset.ids).toEqual(['1', '2']);
  });
});

describe('gymedge churn and segment commands', () => {
  const s = synthesize({ customers: 700, seed: 9 });
  const csv = toCsv(s);
  const customers = file('customers.csv', csv.customers);
  const transactions = file('transactions.csv', csv.transactions);
  const env = { GYMEDGE_FROM_SOURCE: '1' };

  it('train writes the report, metrics, ONNX model and card; score writes one row per customer', async () => {
    const out = join(dir, 'model');
    const train = await runCli(
      [
        'churn',
        'train',
        '--customers',
        customers,
        '--transactions',
        transactions,
        '--out',
        out,
        '--quick',
        '--folds',
        '3',
        '--no-pdf',
      ],
      env,
    );
    expect(train.stderr).toMatch(/champion: /);
    expect(train.code).toBe(0);
    for (const f of ['report.html', 'metrics.json', 'model.onnx', 'model.json', 'model-card.md'])
      expect(existsSync(join(out, f))).toBe(true);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as {
      champion: string;
      models: { kind: string; test: { rocAuc: number } }[];
    };
    expect(metrics.models.map((m) => m.kind)).toEqual(['logistic', 'tree', 'hgb', 'forest']);
    expect(metrics.models.find((m) => m.kind === metrics.champion)?.test.rocAuc).toBeGreaterThan(0.8);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<svg[^>]+aria-label="Curva ROC/);
    const scores = join(dir, 'scores.csv');
    const score = await runCli(
      [
        'churn',
        'score',
        '--model',
        out,
        '--customers',
        customers,
        '--transactions',
        transactions,
        '--out',
        scores,
        '--lang',
        'en',
      ],
      env,
    );
    expect(score.code).toBe(0);
    const lines = readFileSync(scores, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'customer_id,churn_probability,reason_1,reason_2,reason_3,action_1,action_2,action_3',
    );
    expect(lines.length - 1).toBe(700);
    expect(score.stderr).toMatch(/ONNX vs in-process max difference/);
  }, 120_000);

  it('segment fit and lookup answer in the API’s shape', async () => {
    const out = join(dir, 'seg');
    const fit = await runCli(
      [
        'segment',
        'fit',
        '--customers',
        customers,
        '--transactions',
        transactions,
        '--out',
        out,
        '--no-pdf',
        '--k-max',
        '5',
      ],
      env,
    );
    expect(fit.code).toBe(0);
    expect(existsSync(join(out, 'eda.html'))).toBe(true);
    expect(readFileSync(join(out, 'data-dictionary.md'), 'utf8')).toMatch(/recency_days/);
    const lookup = await runCli(['segment', 'lookup', '--model', out, '--ids', 'C000001,nobody'], env);
    const body = JSON.parse(lookup.stdout) as {
      results: { customerId: string; segment: number; segmentName: string }[];
      notFound: string[];
    };
    expect(body.results[0]?.customerId).toBe('C000001');
    expect(typeof body.results[0]?.segmentName).toBe('string');
    expect(body.notFound).toEqual(['nobody']);
  }, 120_000);

  it('a file it cannot use ends with a one-line message and a non-zero exit, no stack trace', async () => {
    const run = await runCli(
      [
        'churn',
        'train',
        '--transactions',
        file('h.csv', 'customer_id,transaction_date,amount\n'),
        '--out',
        join(dir, 'x'),
      ],
      env,
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/gymedge: .*no readable dated rows/);
    expect(hasStackTrace(run.stderr)).toBe(false);
  }, 60_000);
});
