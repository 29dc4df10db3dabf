/**
 * A model folder: model.json (scoring + explanations), model.onnx (serving), metrics.json,
 * model-card.md, report.html and report.pdf. Loading validates model.json with zod.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ChurnTrainOutput,
  type CleaningReport,
  churnReportHtml,
  dataDictionary,
  type Lang,
  modelCard,
  type SavedChurnModel,
  SavedChurnModelSchema,
  type SegmentFit,
  type SegmentModel,
  SegmentModelSchema,
  segmentReportHtml,
  toOnnx,
} from '@gymedge/ml';
import { printPdf } from './pdf.ts';

export interface WriteChurnOptions {
  lang?: Lang;
  pdf?: boolean;
  testSegments?: string[];
  log?: (message: string) => void;
}

/** Writes every artifact of a churn training run; returns their paths. */
export async function writeChurnArtifacts(
  dir: string,
  out: ChurnTrainOutput,
  opts: WriteChurnOptions = {},
): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const paths = {
    model: join(dir, 'model.json'),
    onnx: join(dir, 'model.onnx'),
    metrics: join(dir, 'metrics.json'),
    card: join(dir, 'model-card.md'),
    html: join(dir, 'report.html'),
    pdf: join(dir, 'report.pdf'),
  };
  await writeFile(paths.model, JSON.stringify(out.model));
  await writeFile(
    paths.onnx,
    toOnnx(out.model.compiled, {
      features: out.model.features,
      champion: out.model.champion,
      createdAt: out.model.createdAt,
    }),
  );
  await writeFile(paths.metrics, `${JSON.stringify(out.metrics, null, 2)}\n`);
  await writeFile(
    paths.card,
    `${modelCard(out)}\n## Data dictionary\n\n${dataDictionary(out.model.features)}\n`,
  );
  const reportOpts: { lang?: Lang; testSegments?: string[] } = {};
  if (opts.lang !== undefined) reportOpts.lang = opts.lang;
  if (opts.testSegments !== undefined) reportOpts.testSegments = opts.testSegments;
  const html = churnReportHtml(out, reportOpts);
  await writeFile(paths.html, html);
  if (opts.pdf !== false) {
    opts.log?.('printing report.pdf with Chromium');
    await printPdf(html, paths.pdf);
  }
  return paths;
}

export async function readChurnModel(dir: string): Promise<SavedChurnModel> {
  const path = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`${dir} holds no model.json: train one with \`gymedge churn train --out ${dir}\``);
  }
  const parsed = SavedChurnModelSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${path} is not a GymEdge churn model: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export async function writeSegmentArtifacts(
  dir: string,
  fit: SegmentFit,
  opts: { lang?: Lang; pdf?: boolean; cleaning?: CleaningReport; log?: (m: string) => void } = {},
): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const paths = {
    model: join(dir, 'segments.json'),
    html: join(dir, 'eda.html'),
    pdf: join(dir, 'eda.pdf'),
    dictionary: join(dir, 'data-dictionary.md'),
  };
  await writeFile(paths.model, JSON.stringify(fit.model));
  const html = segmentReportHtml(fit, opts.lang ?? 'pt', opts.cleaning);
  await writeFile(paths.html, html);
  await writeFile(
    paths.dictionary,
    `# Data dictionary (segmentation)\n\n${dataDictionary(fit.model.features)}\n\nSegments: ${fit.model.segments.map((s) => `${s.id} = ${s.name.pt} / ${s.name.en} (${s.size})`).join('; ')}\n`,
  );
  if (opts.pdf !== false) {
    opts.log?.('printing eda.pdf with Chromium');
    await printPdf(html, paths.pdf);
  }
  return paths;
}

export async function readSegmentModel(dir: string): Promise<SegmentModel> {
  const path = join(dir, 'segments.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`${dir} holds no segments.json: fit one with \`gymedge segment fit --out ${dir}\``);
  }
  const parsed = SegmentModelSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `${path} is not a GymEdge segment model: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return parsed.data;
}

/** The API's and the CLI's lookup answer. */
export interface SegmentLookup {
  results: { customerId: string; segment: number; segmentName: string; segmentNameEn: string }[];
  notFound: string[];
}

export function lookupSegments(model: SegmentModel, ids: readonly string[]): SegmentLookup {
  const out: SegmentLookup = { results: [], notFound: [] };
  for (const raw of ids) {
    const id = raw.trim();
    const seg = model.assignments[id] ?? model.assignments[id.replace(/^0+(\d)/, '$1')];
    const info = seg === undefined ? undefined : model.segments.find((s) => s.id === seg);
    if (seg === undefined || info === undefined) out.notFound.push(id);
    else
      out.results.push({
        customerId: id,
        segment: seg,
        segmentName: info.name.pt,
        segmentNameEn: info.name.en,
      });
  }
  return out;
}
