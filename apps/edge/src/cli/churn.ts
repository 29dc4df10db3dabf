/**
 * `gymedge churn train` and `gymedge churn score`: the churn pipeline on the chain's CSV exports or
 * on a ready feature table. Progress goes to stderr; artifacts to the --out folder.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ChurnTrainOutput,
  DEFAULT_GRID,
  fitSegments,
  type Lang,
  QUICK_GRID,
  scoreDataset,
  scoringSnapshot,
  trainFromEvents,
  trainFromTable,
} from '@gymedge/ml';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { readChurnModel, writeChurnArtifacts } from '../ml/artifacts.ts';
import { loadExports, loadFeatureTable } from '../ml/load.ts';
import { OnnxChurnScorer } from '../ml/onnx-scorer.ts';
import { fail, UsageError } from './output.ts';

const say = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

const TrainOptions = z.object({
  customers: z.string().optional(),
  transactions: z.string().optional(),
  features: z.string().optional(),
  label: z.string().optional(),
  out: z.string(),
  horizon: z.coerce.number().int().min(7).max(730).default(90),
  labelMode: z.enum(['auto', 'inactivity', 'column']).default('auto'),
  quick: z.boolean().optional(),
  lang: z.enum(['pt', 'en']).default('pt'),
  pdf: z.boolean().default(true),
  folds: z.coerce.number().int().min(2).max(10).default(5),
});

export async function churnTrain(raw: unknown): Promise<void> {
  const o = TrainOptions.parse(raw);
  const grid = o.quick === true ? QUICK_GRID : DEFAULT_GRID;
  const started = performance.now();
  let out: ChurnTrainOutput;
  let testSegments: string[] | undefined;
  if (o.features !== undefined) {
    if (o.label === undefined) throw new UsageError('--features needs --label <column> (e.g. --label Churn)');
    say(`reading ${o.features}`);
    const table = await loadFeatureTable(o.features, o.label);
    for (const note of table.notes) say(`  ${note}`);
    say(
      `${table.dataset.y.length} rows, ${table.dataset.names.length} features; training (${o.folds}-fold CV grid search)`,
    );
    const opts: Parameters<typeof trainFromTable>[2] = {
      grid,
      folds: o.folds,
      onProgress: (m) => say(`  ${m}`),
    };
    if (table.groupColumn !== undefined) opts.groupColumn = table.groupColumn;
    out = trainFromTable(table.dataset, o.label, opts);
  } else {
    if (o.transactions === undefined) {
      throw new UsageError(
        'give --transactions (and usually --customers), or --features with --label for a ready table',
      );
    }
    say(`reading ${o.customers ?? '(no customers file)'} and ${o.transactions}`);
    const loaded = await loadExports(o.customers, o.transactions, { onProgress: () => {} });
    for (const note of loaded.data.report.notes) say(`  ${note}`);
    if (loaded.data.report.rowErrorCount > 0) {
      say(
        `  ${loaded.data.report.rowErrorCount} rows refused; first: ${loaded.data.report.rowErrors
          .slice(0, 3)
          .map((e) => `${e.file} ${e.message}`)
          .join(' | ')}`,
      );
    }
    say(`training (horizon ${o.horizon} days, label ${o.labelMode}, ${o.folds}-fold CV grid search)`);
    out = trainFromEvents(loaded.data, {
      grid,
      folds: o.folds,
      horizonDays: o.horizon,
      labelMode: o.labelMode,
      onProgress: (m) => say(`  ${m}`),
    });
    try {
      const seg = fitSegments(loaded.data, { asOf: out.model.cutoff as string, kMax: 6 });
      const names = new Map(seg.model.segments.map((s) => [s.id, o.lang === 'pt' ? s.name.pt : s.name.en]));
      testSegments = out.test.ids.map((id) => names.get(seg.model.assignments[id] ?? -1) ?? '—');
    } catch (error) {
      say(`  segments for the report skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const champ = out.metrics.models.find((m) => m.kind === out.metrics.champion);
  say(
    `champion: ${champ?.label} (CV ROC AUC ${champ?.cvRocAuc.toFixed(4)}, test ROC AUC ${champ?.test.rocAuc.toFixed(4)}, Brier ${champ?.test.brier.toFixed(4)})`,
  );
  const writeOpts: Parameters<typeof writeChurnArtifacts>[2] = { lang: o.lang as Lang, pdf: o.pdf, log: say };
  if (testSegments !== undefined) writeOpts.testSegments = testSegments;
  const paths = await writeChurnArtifacts(o.out, out, writeOpts);
  say(
    `wrote ${Object.values(paths)
      .filter((p) => o.pdf || !p.endsWith('.pdf'))
      .join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

const ScoreOptions = z.object({
  model: z.string(),
  customers: z.string().optional(),
  transactions: z.string().optional(),
  features: z.string().optional(),
  out: z.string(),
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD')
    .optional(),
  lang: z.enum(['pt', 'en']).default('pt'),
});

function csvField(v: string): string {
  return /[",\n;]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export async function churnScore(raw: unknown): Promise<void> {
  const o = ScoreOptions.parse(raw);
  const model = await readChurnModel(o.model);
  let data: { names: readonly string[]; x: Float64Array; y: Uint8Array; ids: readonly string[] };
  if (model.source === 'table') {
    if (o.features === undefined)
      throw new UsageError('this model was trained on a feature table: give --features F');
    const table = await loadFeatureTable(o.features, model.labelColumn ?? 'Churn', { labelOptional: true });
    const missing = model.features.filter((f) => !table.dataset.names.includes(f));
    if (missing.length > 0)
      throw new UsageError(`${o.features} lacks the model's columns: ${missing.join(', ')}`);
    const p = model.features.length;
    const src = table.dataset;
    const x = new Float64Array(src.y.length * p);
    const idx = model.features.map((f) => src.names.indexOf(f));
    for (let i = 0; i < src.y.length; i++)
      for (let j = 0; j < p; j++) x[i * p + j] = src.x[i * src.names.length + (idx[j] as number)] as number;
    data = { names: model.features, x, y: src.y, ids: src.ids };
  } else {
    if (o.transactions === undefined) throw new UsageError('give --transactions (and --customers) to score');
    const loaded = await loadExports(o.customers, o.transactions);
    for (const note of loaded.data.report.notes) say(`  ${note}`);
    const snap = scoringSnapshot(model, loaded.data, o.asOf);
    say(`scoring ${snap.data.y.length} customers at ${snap.cutoff}`);
    data = snap.data;
  }
  const scores = scoreDataset(model, data as Parameters<typeof scoreDataset>[1]);
  // Serving path: the ONNX file gives the probabilities; in-process scoring must agree.
  const onnx = await OnnxChurnScorer.load(join(o.model, 'model.onnx'), model.features.length);
  const served = await onnx.score(data.x);
  let worst = 0;
  scores.forEach((s, i) => {
    worst = Math.max(worst, Math.abs(s.probability - (served[i] as number)));
  });
  if (worst > 1e-5)
    say(`warning: ONNX and in-process probabilities differ by up to ${worst.toExponential(2)}`);
  const pt = o.lang === 'pt';
  const lines = ['customer_id,churn_probability,reason_1,reason_2,reason_3,action_1,action_2,action_3'];
  scores.forEach((s, i) => {
    const r = [0, 1, 2].map((k) => s.reasons[k]);
    lines.push(
      [
        csvField(s.customerId),
        (served[i] as number).toFixed(6),
        ...r.map((x) => csvField(x === undefined ? '' : pt ? x.pt : x.en)),
        ...r.map((x) => csvField(x === undefined ? '' : pt ? x.actionPt : x.actionEn)),
      ].join(','),
    );
  });
  await writeFile(o.out, `${lines.join('\n')}\n`);
  say(
    `wrote ${scores.length} scores to ${o.out} (ONNX vs in-process max difference ${worst.toExponential(1)})`,
  );
}

/** The `churn` command group, added to the main program. */
export function churnCommand(): Command {
  const cmd = new Command('churn').description(
    'Churn prediction: train and compare models, score members with reasons.',
  );
  cmd
    .command('train')
    .description(
      'Train on customers.csv + transactions.csv (or a ready table with --features/--label); writes report.html, report.pdf, metrics.json, model.onnx, model.json and model-card.md to --out.',
    )
    .option('--customers <file>', 'customers CSV (customer_id, age, gender, signup_date, region, churn)')
    .option('--transactions <file>', 'transactions CSV (customer_id, transaction_date, amount, service)')
    .option('--features <file>', 'a ready feature table, one row per member')
    .option('--label <column>', 'the 0/1 label column of --features (e.g. Churn)')
    .requiredOption('--out <dir>', 'folder for the artifacts')
    .option('--horizon <days>', 'churn = no activity for this many days after the cutoff', '90')
    .addOption(
      new Option('--label-mode <mode>', 'where labels come from')
        .choices(['auto', 'inactivity', 'column'])
        .default('auto'),
    )
    .option('--folds <k>', 'cross-validation folds', '5')
    .option('--quick', 'one point per model family instead of the grid')
    .addOption(new Option('--lang <lang>', 'report language').choices(['pt', 'en']).default('pt'))
    .option('--no-pdf', 'skip the PDF')
    .action((options) => churnTrain(options).catch(fail));
  cmd
    .command('score')
    .description(
      'Score every customer with a trained model: customer_id, churn_probability, reason_1..3 (and action_1..3).',
    )
    .requiredOption('--model <dir>', 'folder written by churn train')
    .option('--customers <file>', 'customers CSV')
    .option('--transactions <file>', 'transactions CSV')
    .option('--features <file>', 'feature table (for a model trained with --features)')
    .option('--as-of <date>', 'score as of this day (default: the last day in the data)')
    .addOption(new Option('--lang <lang>', 'language of the reasons').choices(['pt', 'en']).default('pt'))
    .requiredOption('--out <file>', 'scores CSV to write')
    .action((options) => churnScore(options).catch(fail));
  return cmd;
}
