/** `gymedge segment fit` and `gymedge segment lookup`. */
import { fitSegments } from '@gymedge/ml';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { lookupSegments, readSegmentModel, writeSegmentArtifacts } from '../ml/artifacts.ts';
import { loadExports } from '../ml/load.ts';
import { fail } from './output.ts';

const say = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

const FitOptions = z.object({
  customers: z.string().optional(),
  transactions: z.string(),
  out: z.string(),
  kMin: z.coerce.number().int().min(2).max(12).default(2),
  kMax: z.coerce.number().int().min(2).max(12).default(8),
  lang: z.enum(['pt', 'en']).default('pt'),
  pdf: z.boolean().default(true),
});

export async function segmentFit(raw: unknown): Promise<void> {
  const o = FitOptions.parse(raw);
  const started = performance.now();
  say(`reading ${o.customers ?? '(no customers file)'} and ${o.transactions}`);
  const loaded = await loadExports(o.customers, o.transactions);
  for (const note of loaded.data.report.notes) say(`  ${note}`);
  say(
    `clustering ${loaded.data.customers.size} customers (k-means++ k = ${o.kMin}..${o.kMax}, then a Gaussian mixture)`,
  );
  const fit = fitSegments(loaded.data, { kMin: o.kMin, kMax: o.kMax });
  for (const c of fit.model.quality.candidates)
    say(`  k=${c.k}: silhouette ${c.silhouette.toFixed(3)}, inertia ${c.inertia.toFixed(0)}`);
  const q = fit.model.quality;
  say(
    `chosen k = ${q.chosenK} (elbow at ${q.elbowK}); GMM silhouette ${q.gmmSilhouette.toFixed(3)}, ARI vs k-means ${q.gmmAgreementAri.toFixed(3)}`,
  );
  for (const s of fit.model.segments) say(`  ${s.id} ${s.name.pt} / ${s.name.en}: ${s.size}`);
  const paths = await writeSegmentArtifacts(o.out, fit, {
    lang: o.lang,
    pdf: o.pdf,
    cleaning: loaded.data.report,
    log: say,
  });
  say(
    `wrote ${Object.values(paths)
      .filter((p) => o.pdf || !p.endsWith('.pdf'))
      .join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

export async function segmentLookup(raw: unknown): Promise<void> {
  const o = z.object({ model: z.string(), ids: z.string().min(1) }).parse(raw);
  const model = await readSegmentModel(o.model);
  const ids = o.ids
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const answer = lookupSegments(model, ids);
  process.stdout.write(
    `${JSON.stringify({ results: answer.results.map(({ customerId, segment, segmentName }) => ({ customerId, segment, segmentName })), notFound: answer.notFound }, null, 2)}\n`,
  );
}

export function segmentCommand(): Command {
  const cmd = new Command('segment').description(
    'Customer segmentation: fit segments, look customers up by id.',
  );
  cmd
    .command('fit')
    .description(
      'Cluster customers by behaviour; writes segments.json, eda.html, eda.pdf and data-dictionary.md to --out.',
    )
    .option('--customers <file>', 'customers CSV')
    .requiredOption('--transactions <file>', 'transactions CSV')
    .requiredOption('--out <dir>', 'folder for the artifacts')
    .option('--k-min <k>', 'smallest k tried', '2')
    .option('--k-max <k>', 'largest k tried', '8')
    .addOption(new Option('--lang <lang>', 'report language').choices(['pt', 'en']).default('pt'))
    .option('--no-pdf', 'skip the PDF')
    .action((options) => segmentFit(options).catch(fail));
  cmd
    .command('lookup')
    .description(
      'Print {results: [{customerId, segment, segmentName}], notFound: [...]} for the given ids (the API’s shape).',
    )
    .requiredOption('--model <dir>', 'folder written by segment fit')
    .requiredOption('--ids <ids>', 'comma-separated customer ids')
    .action((options) => segmentLookup(options).catch(fail));
  return cmd;
}
