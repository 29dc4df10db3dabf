/**
 * The churn report (HTML, printable to PDF), the segmentation EDA report and the model card, written
 * for a gym manager: what the model says in plain words first, the technical figures after.
 */
import type { CleaningReport } from './clean.ts';
import { prCurve, rocCurve } from './metrics.ts';
import { MODEL_LABELS } from './models.ts';
import type { ChurnTrainOutput } from './pipeline.ts';
import { topReasons } from './reasons.ts';
import type { SegmentFit } from './segmentation.ts';
import {
  barChart,
  confusionChart,
  esc,
  hbarChart,
  histogramChart,
  lineChart,
  scatterChart,
  shapSummary,
} from './svg.ts';

export type Lang = 'pt' | 'en';

const T = {
  pt: {
    title: 'Relatório de evasão (churn)',
    generated: 'Gerado em',
    summary: 'Resumo para o gerente',
    data: 'Dados',
    models: 'Comparação de modelos',
    model: 'Modelo',
    roc: 'Curva ROC',
    pr: 'Precisão × recall',
    cal: 'Calibração (previsto × observado)',
    conf: 'Matriz de confusão (limiar 0,5)',
    shap: 'O que mais pesa no risco (SHAP)',
    importance: 'Importância média |SHAP| (log-odds)',
    byGroup: 'Evasão por região / grupo',
    bySegment: 'Evasão por segmento',
    observed: 'evasão observada',
    predicted: 'risco previsto médio',
    top: 'Membros com maior risco (conjunto de teste)',
    reasons: 'Motivos',
    actions: 'Ação sugerida',
    cleaning: 'Limpeza dos dados',
    rule: 'Regra do campeão',
    limits: 'Limites',
    fpr: 'falsos alarmes (taxa)',
    tpr: 'evasões detectadas (taxa)',
    recall: 'recall',
    precision: 'precisão',
    predictedP: 'probabilidade prevista',
    observedRate: 'taxa observada',
    actual: 'Real',
    predictedL: 'Previsto',
    stay: 'fica',
    leave: 'sai',
    shapX: 'impacto no risco (log-odds)',
    low: 'valor baixo',
    high: 'valor alto',
    raw: 'sem calibração',
    calibrated: 'calibrado (Platt)',
  },
  en: {
    title: 'Churn report',
    generated: 'Generated',
    summary: 'Summary for the manager',
    data: 'Data',
    models: 'Model comparison',
    model: 'Model',
    roc: 'ROC curve',
    pr: 'Precision × recall',
    cal: 'Calibration (predicted vs observed)',
    conf: 'Confusion matrix (threshold 0.5)',
    shap: 'What drives the risk (SHAP)',
    importance: 'Mean |SHAP| importance (log-odds)',
    byGroup: 'Churn by region / group',
    bySegment: 'Churn by segment',
    observed: 'observed churn',
    predicted: 'mean predicted risk',
    top: 'Members at highest risk (test set)',
    reasons: 'Reasons',
    actions: 'Suggested action',
    cleaning: 'Data cleaning',
    rule: 'Champion rule',
    limits: 'Limits',
    fpr: 'false alarm rate',
    tpr: 'churners caught (rate)',
    recall: 'recall',
    precision: 'precision',
    predictedP: 'predicted probability',
    observedRate: 'observed rate',
    actual: 'Actual',
    predictedL: 'Predicted',
    stay: 'stays',
    leave: 'leaves',
    shapX: 'impact on risk (log-odds)',
    low: 'low value',
    high: 'high value',
    raw: 'uncalibrated',
    calibrated: 'calibrated (Platt)',
  },
} as const;

const CSS = `body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;border-bottom:2px solid #1f77b4;padding-bottom:3px;margin-top:28px;page-break-after:avoid}
.grid{display:flex;flex-wrap:wrap;gap:10px}.grid svg{border:1px solid #ddd;background:#fff;width:48%;height:auto}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 7px;text-align:left}th{background:#f0f4f8}
.big{font-size:15px;line-height:1.5}.muted{color:#666;font-size:12px}.champ{background:#e8f5e9;font-weight:bold}
section{page-break-inside:avoid}@media print{body{margin:8mm}}`;

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');

function rateByGroup(
  groups: string[],
  y: ArrayLike<number>,
  p: ArrayLike<number>,
): { labels: string[]; observed: number[]; predicted: number[]; counts: number[] } {
  const agg = new Map<string, { n: number; y: number; p: number }>();
  groups.forEach((g, i) => {
    const a = agg.get(g) ?? { n: 0, y: 0, p: 0 };
    a.n++;
    a.y += y[i] as number;
    a.p += p[i] as number;
    agg.set(g, a);
  });
  const entries = [...agg.entries()]
    .filter(([, a]) => a.n >= 5)
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, 10);
  return {
    labels: entries.map(([g]) => g),
    observed: entries.map(([, a]) => a.y / a.n),
    predicted: entries.map(([, a]) => a.p / a.n),
    counts: entries.map(([, a]) => a.n),
  };
}

function cleaningTable(c: CleaningReport, lang: Lang): string {
  const pt = lang === 'pt';
  const rows: [string, string][] = [
    [pt ? 'Clientes lidos / mantidos' : 'Customers read / kept', `${c.customersIn} / ${c.customersKept}`],
    [
      pt ? 'Transações lidas / mantidas' : 'Transactions read / kept',
      `${c.activitiesIn} / ${c.activitiesKept}`,
    ],
    [pt ? 'Linhas recusadas pelo leitor' : 'Rows refused by the reader', String(c.rowErrorCount)],
    [pt ? 'Clientes duplicados (unidos)' : 'Duplicate customers (merged)', String(c.duplicateCustomers)],
    [
      pt ? 'Transações duplicadas (removidas)' : 'Duplicate transactions (dropped)',
      String(c.duplicateActivities),
    ],
    [
      pt ? 'Ids normalizados (00123, 123.0 → 123)' : 'Ids normalised (00123, 123.0 → 123)',
      String(c.idsNormalised),
    ],
    [
      pt ? 'Valores negativos (devoluções)' : 'Negative amounts (returns)',
      `${c.returns} (${c.returnsTotal.toFixed(2)})`,
    ],
    [
      pt ? 'Valores atípicos limitados' : 'Outliers capped',
      `${c.outliersCapped}${c.amountCap !== undefined ? ` (> ${c.amountCap.toFixed(2)})` : ''}`,
    ],
    [pt ? 'Datas futuras descartadas' : 'Future dates dropped', String(c.futureDatesDropped)],
    [
      pt ? 'Cadastro após 1ª transação (corrigido)' : 'Signup after first transaction (fixed)',
      String(c.signupAfterFirstActivity),
    ],
    [
      pt ? 'Clientes só nas transações' : 'Customers only in transactions',
      `${c.unknownCustomers}${c.unknownCustomerSample.length > 0 ? ` (${c.unknownCustomerSample.slice(0, 5).join(', ')})` : ''}`,
    ],
    [
      pt ? 'Faltando: idade / gênero / cadastro / região' : 'Missing: age / gender / signup / region',
      `${c.missing.age} / ${c.missing.gender} / ${c.missing.signupDate} / ${c.missing.region}`,
    ],
  ];
  const errs = c.rowErrors
    .slice(0, 8)
    .map((e) => `<li>${esc(e.file)}: ${esc(e.message)}</li>`)
    .join('');
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>${errs ? `<ul class="muted">${errs}</ul>` : ''}<ul class="muted">${c.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`;
}

export interface ChurnReportOptions {
  lang?: Lang;
  /** Segment name per test row (same order as the test set), for "churn by segment". */
  testSegments?: string[];
  title?: string;
}

/** The whole churn report as one self-contained HTML page. */
export function churnReportHtml(out: ChurnTrainOutput, opts: ChurnReportOptions = {}): string {
  const lang = opts.lang ?? 'pt';
  const t = T[lang];
  const m = out.metrics;
  const champ = m.models.find((x) => x.kind === m.champion);
  if (champ === undefined) throw new Error('no champion');
  const p = out.test.names.length;
  const probs = out.result.testProbabilities;
  const y = out.test.y;
  // Plain-language headline: how good the top-risk list is.
  const order = Array.from({ length: y.length }, (_, i) => i).sort(
    (a, b) => (probs[b] as number) - (probs[a] as number),
  );
  const topN = Math.max(1, Math.round(y.length * 0.1));
  const hits = order.slice(0, topN).filter((i) => y[i] === 1).length;
  const totalChurn = y.reduce((s, v) => s + v, 0);
  const caught = order.slice(0, Math.round(y.length * 0.2)).filter((i) => y[i] === 1).length;
  const headline =
    lang === 'pt'
      ? `<p class="big">Dos <b>${topN}</b> membros que o modelo aponta como de maior risco (10% do teste), <b>${hits}</b> de fato saíram (${pct(hits / topN)}, contra ${pct(totalChurn / Math.max(1, y.length))} na média). Ligando para os 20% de maior risco, a equipe alcança <b>${pct(caught / Math.max(1, totalChurn))}</b> de todos que iam sair.</p>
<p class="big">O modelo campeão é <b>${esc(MODEL_LABELS[m.champion])}</b>: em ${Math.round(100 * champ.test.rocAuc)} de cada 100 pares (um que saiu, um que ficou), ele dá mais risco a quem saiu (ROC AUC ${f3(champ.test.rocAuc)}). As probabilidades são calibradas: quando ele diz 30%, cerca de 30% saem (Brier ${f3(champ.test.brier)}).</p>`
      : `<p class="big">Of the <b>${topN}</b> members the model ranks riskiest (10% of the test set), <b>${hits}</b> did leave (${pct(hits / topN)}, against ${pct(totalChurn / Math.max(1, y.length))} on average). Calling the riskiest 20% reaches <b>${pct(caught / Math.max(1, totalChurn))}</b> of everyone who was going to leave.</p>
<p class="big">The champion is <b>${esc(MODEL_LABELS[m.champion])}</b>: in ${Math.round(100 * champ.test.rocAuc)} of 100 pairs (one leaver, one stayer) it gives the leaver the higher risk (ROC AUC ${f3(champ.test.rocAuc)}). Its probabilities are calibrated: when it says 30%, about 30% leave (Brier ${f3(champ.test.brier)}).</p>`;

  const rows = m.models
    .map(
      (r) =>
        `<tr class="${r.kind === m.champion ? 'champ' : ''}"><td>${esc(r.label)}</td><td>${f3(r.cvRocAuc)} ± ${f3(r.cvRocAucStd)}</td><td>${f3(r.test.rocAuc)}</td><td>${f3(r.test.prAuc)}</td><td>${f3(r.test.accuracy)}</td><td>${f3(r.test.precision)}</td><td>${f3(r.test.recall)}</td><td>${f3(r.test.f1)}</td><td>${f3(r.testRaw.brier)} → ${f3(r.test.brier)}</td><td>${f3(r.oofBrierPlatt)} / ${f3(r.oofBrierIsotonic)}</td><td>${r.fitSeconds.toFixed(2)} s</td><td class="muted">${esc(JSON.stringify(Object.fromEntries(Object.entries(r.params).filter(([k]) => k !== 'seed'))))}</td></tr>`,
    )
    .join('');
  const table = `<table><tr><th>${t.model}</th><th>CV ROC AUC</th><th>ROC AUC</th><th>PR AUC</th><th>Acc.</th><th>${t.precision}</th><th>${t.recall}</th><th>F1</th><th>Brier (${t.raw} → ${t.calibrated})</th><th>OOF Brier Platt / isotonic</th><th>fit</th><th>params</th></tr>${rows}</table>`;

  const all = Object.entries(out.result.allTestProbabilities) as [keyof typeof MODEL_LABELS, Float64Array][];
  const rocSeries = all.map(([kind, pr]) => ({
    name: `${MODEL_LABELS[kind]} ${f3(m.models.find((r) => r.kind === kind)?.test.rocAuc ?? Number.NaN)}`,
    points: rocCurve(y, pr).map((q) => ({ x: q.fpr, y: q.tpr })),
  }));
  const prSeries = all.map(([kind, pr]) => ({
    name: MODEL_LABELS[kind],
    points: prCurve(y, pr).map((q) => ({ x: q.recall, y: q.precision })),
  }));
  const rel = champ.test.reliability.map((b) => ({ x: b.predicted, y: b.observed }));
  const relRaw = champ.testRaw.reliability.map((b) => ({ x: b.predicted, y: b.observed }));
  const charts = [
    lineChart(`${t.roc} (AUC ${f3(champ.test.rocAuc)})`, t.fpr, t.tpr, rocSeries, { diagonal: true }),
    lineChart(`${t.pr} (AP ${f3(champ.test.prAuc)})`, t.recall, t.precision, prSeries),
    lineChart(
      t.cal,
      t.predictedP,
      t.observedRate,
      [
        { name: t.raw, points: relRaw, dots: true, color: '#999' },
        { name: t.calibrated, points: rel, dots: true },
      ],
      { diagonal: true },
    ),
    confusionChart(t.conf, champ.test.confusion, {
      actual: t.actual,
      predicted: t.predictedL,
      stay: t.stay,
      leave: t.leave,
    }),
  ];
  // SHAP summary: top 10 features.
  const top = m.importance.slice(0, 10);
  const idx = top.map((f) => out.test.names.indexOf(f.feature));
  const shapRows = idx.map((j) => out.testExplanations.map((e) => e.values[j] ?? 0));
  const valueRows = idx.map((j) =>
    Array.from({ length: y.length }, (_, i) => out.test.x[i * p + j] as number),
  );
  const shapCharts = [
    hbarChart(
      t.importance,
      '|SHAP|',
      top.map((f) => f.feature),
      top.map((f) => f.meanAbsShap),
    ),
    shapSummary(
      t.shap,
      t.shapX,
      top.map((f) => f.feature),
      shapRows,
      valueRows,
      [t.low, t.high],
    ),
  ];
  const groups = rateByGroup(
    out.testInfo.map((r) => r.region),
    y,
    probs,
  );
  const groupCharts = [
    barChart(t.byGroup, '', t.observed, groups.labels, groups.observed, {
      dots: groups.predicted,
      fmt: pct,
      legend: [t.observed, t.predicted],
      width: 460,
    }),
  ];
  if (opts.testSegments !== undefined) {
    const seg = rateByGroup(opts.testSegments, y, probs);
    groupCharts.push(
      barChart(t.bySegment, '', t.observed, seg.labels, seg.observed, {
        dots: seg.predicted,
        fmt: pct,
        legend: [t.observed, t.predicted],
        width: 460,
      }),
    );
  }
  // Riskiest members with reasons.
  const risky = order.slice(0, 15).map((i) => {
    const reasons = topReasons(out.test.names, out.test.x, out.testExplanations[i] as never, 3, i * p);
    return `<tr><td>${esc(out.test.ids[i] as string)}</td><td>${pct(probs[i] as number)}</td><td>${y[i] === 1 ? t.leave : t.stay}</td><td>${reasons.map((r) => esc(lang === 'pt' ? r.pt : r.en)).join('<br>')}</td><td>${reasons.map((r) => esc(lang === 'pt' ? r.actionPt : r.actionEn)).join('<br>')}</td></tr>`;
  });
  const limits =
    lang === 'pt'
      ? `<ul><li>${esc(m.split)}.</li><li>O modelo aprende com o passado desta base; mudanças de preço, de equipe ou de concorrência alteram o padrão (o monitor de drift avisa).</li><li>Gênero nunca aparece como motivo; região aparece só como contexto, não como ação.</li><li>Use o risco para priorizar contatos, não para negar serviço.</li></ul>`
      : `<ul><li>${esc(m.split)}.</li><li>The model learns from this base's past; price, staff or competition changes shift the pattern (the drift monitor warns).</li><li>Gender is never given as a reason; region is context, not an action.</li><li>Use the risk to prioritise calls, never to refuse service.</li></ul>`;
  return `<!doctype html><html lang="${lang === 'pt' ? 'pt-BR' : 'en'}"><head><meta charset="utf-8"><title>${esc(opts.title ?? t.title)}</title><style>${CSS}</style></head><body>
<h1>${esc(opts.title ?? t.title)}</h1><div class="muted">${t.generated} ${esc(m.createdAt.slice(0, 16).replace('T', ' '))} UTC · ${esc(m.dataFingerprint)}</div>
<section><h2>${t.summary}</h2>${headline}</section>
<section><h2>${t.data}</h2><p>${esc(m.split)}</p><p>train: ${m.rows.train} (${pct(m.rows.trainChurnRate)} churn) · test: ${m.rows.test} (${pct(m.rows.testChurnRate)} churn)</p></section>
<section><h2>${t.models}</h2>${table}<p class="muted">${t.rule}: ${esc(lang === 'pt' ? m.championRule.pt : m.championRule.en)}</p></section>
<section><div class="grid">${charts.join('')}</div></section>
<section><h2>${t.shap}</h2><div class="grid">${shapCharts.join('')}</div></section>
<section><h2>${t.byGroup}</h2><div class="grid">${groupCharts.join('')}</div></section>
<section><h2>${t.top}</h2><table><tr><th>id</th><th>risk</th><th>${lang === 'pt' ? 'desfecho' : 'outcome'}</th><th>${t.reasons}</th><th>${t.actions}</th></tr>${risky.join('')}</table></section>
${m.cleaning !== undefined ? `<section><h2>${t.cleaning}</h2>${cleaningTable(m.cleaning, lang)}</section>` : ''}
<section><h2>${t.limits}</h2>${limits}</section>
</body></html>`;
}

/** The model card (Markdown): data, features, metrics, limits, intended use. */
export function modelCard(out: ChurnTrainOutput): string {
  const m = out.metrics;
  const champ = m.models.find((x) => x.kind === m.champion);
  const lines = [
    `# Model card: GymEdge churn model`,
    '',
    `- Created: ${m.createdAt}`,
    `- Champion: **${MODEL_LABELS[m.champion]}** (${JSON.stringify(champ?.params ?? {})}), Platt-calibrated, exported to ONNX (ai.onnx.ml ${m.champion === 'logistic' ? 'LinearClassifier' : 'TreeEnsembleClassifier'}).`,
    `- Data fingerprint: \`${m.dataFingerprint}\``,
    '',
    '## Intended use',
    'Rank the members of a unit by their risk of leaving in the coming period, with the reasons and a suggested retention action, so that staff call the right people first. Not for pricing, credit or refusing service. Predictions are probabilities, not verdicts.',
    '',
    '## Data',
    `- Source: ${m.source === 'table' ? 'a ready feature table' : "the chain's customer and transaction exports (or the unit's own members)"}; label: ${m.labelMode === 'inactivity' ? 'no activity in the horizon after the cutoff' : m.labelMode === 'column' ? "the customers' churn column" : 'the table’s label column'}.`,
    `- Split: ${m.split}.`,
    `- Rows: ${m.rows.train} train (churn ${(100 * m.rows.trainChurnRate).toFixed(1)}%), ${m.rows.test} test (churn ${(100 * m.rows.testChurnRate).toFixed(1)}%).`,
    '',
    '## Features',
    ...out.train.names.map((n) => `- \`${n}\``),
    '',
    '## Metrics (held-out test set, calibrated probabilities)',
    '| model | CV ROC AUC | ROC AUC | PR AUC | F1 | Brier |',
    '|---|---|---|---|---|---|',
    ...m.models.map(
      (r) =>
        `| ${r.label}${r.kind === m.champion ? ' (champion)' : ''} | ${r.cvRocAuc.toFixed(3)} ± ${r.cvRocAucStd.toFixed(3)} | ${r.test.rocAuc.toFixed(3)} | ${r.test.prAuc.toFixed(3)} | ${r.test.f1.toFixed(3)} | ${r.test.brier.toFixed(3)} |`,
    ),
    '',
    `Champion rule: ${m.championRule.en}`,
    '',
    '## Most important features (mean |SHAP|, log-odds)',
    ...m.importance.slice(0, 10).map((f) => `- ${f.feature}: ${f.meanAbsShap.toFixed(3)}`),
    '',
    '## Limits',
    '- Learns from the past of this base; changes in price, staff or competition shift the pattern: the unit monitors AUC on later labels and PSI drift per feature and alerts the staff console.',
    '- Gender is a feature only when the export carries it and is never given as a reason.',
    '- Small units (a few hundred members) give noisy metrics; the report states the test size.',
    '',
  ];
  return lines.join('\n');
}

/** The segmentation EDA report. */
export function segmentReportHtml(fit: SegmentFit, lang: Lang = 'pt', cleaning?: CleaningReport): string {
  const pt = lang === 'pt';
  const m = fit.model;
  const names = m.segments.map((s) => (pt ? s.name.pt : s.name.en));
  const points = Array.from({ length: fit.ids.length }, (_, i) => ({
    x: fit.projection[i * 2] as number,
    y: fit.projection[i * 2 + 1] as number,
    group: fit.labels[i] as number,
  }));
  const p = m.features.length;
  const kChart = lineChart(
    pt
      ? 'Escolha de k: silhueta (azul) e inércia relativa (vermelho)'
      : 'Choosing k: silhouette (blue) and relative inertia (red)',
    'k',
    '',
    [
      {
        name: pt ? 'silhueta' : 'silhouette',
        points: m.quality.candidates.map((c) => ({ x: c.k, y: c.silhouette })),
        dots: true,
      },
      {
        name: pt ? 'inércia / máx' : 'inertia / max',
        points: m.quality.candidates.map((c) => ({
          x: c.k,
          y: c.inertia / Math.max(...m.quality.candidates.map((d) => d.inertia)),
        })),
        dots: true,
      },
    ],
    {
      x: [m.quality.candidates[0]?.k ?? 2, m.quality.candidates[m.quality.candidates.length - 1]?.k ?? 8],
      y: [0, 1],
    },
  );
  const scatter = scatterChart(
    pt
      ? `Projeção PCA 2-D (${(100 * (fit.explained[0] ?? 0)).toFixed(0)}% + ${(100 * (fit.explained[1] ?? 0)).toFixed(0)}% da variância)`
      : `2-D PCA projection (${(100 * (fit.explained[0] ?? 0)).toFixed(0)}% + ${(100 * (fit.explained[1] ?? 0)).toFixed(0)}% of variance)`,
    'PC1',
    'PC2',
    points,
    names,
  );
  const sizes = barChart(
    pt ? 'Tamanho dos segmentos' : 'Segment sizes',
    '',
    pt ? 'clientes' : 'customers',
    names,
    m.segments.map((s) => s.size),
    { fmt: (v) => String(Math.round(v)) },
  );
  const dists = m.features.slice(0, 4).map((f, j) =>
    histogramChart(
      `${f} (log1p)`,
      f,
      m.segments.map((s, k) => ({
        name: names[k] as string,
        values: fit.ids
          .map((_, i) => i)
          .filter((i) => fit.labels[i] === s.id)
          .map((i) => Math.log1p(Math.max(0, fit.raw[i * p + j] as number))),
      })),
    ),
  );
  const profile = `<table><tr><th>${pt ? 'segmento' : 'segment'}</th><th>n</th>${m.features.map((f) => `<th>${esc(f)}</th>`).join('')}</tr>${m.segments
    .map(
      (s, k) =>
        `<tr><td>${esc(names[k] as string)}</td><td>${s.size}</td>${m.features.map((f) => `<td>${(s.profile[f] ?? 0).toFixed(1)}</td>`).join('')}</tr>`,
    )
    .join('')}</table>`;
  const q = m.quality;
  const compare = pt
    ? `<p>k-means++ com k = <b>${q.chosenK}</b> (maior silhueta, ${q.kmeansSilhouette.toFixed(3)}; o cotovelo da inércia está em k = ${q.elbowK}). Mistura gaussiana (diagonal, EM) no mesmo k: silhueta ${q.gmmSilhouette.toFixed(3)}, concordância com o k-means ARI ${q.gmmAgreementAri.toFixed(3)}. Ficamos com o k-means: ${q.kmeansSilhouette >= q.gmmSilhouette ? 'grupos mais separados' : 'mais simples de explicar e de atribuir por centroide'}.</p>`
    : `<p>k-means++ with k = <b>${q.chosenK}</b> (best silhouette, ${q.kmeansSilhouette.toFixed(3)}; the inertia elbow is at k = ${q.elbowK}). Gaussian mixture (diagonal, EM) at the same k: silhouette ${q.gmmSilhouette.toFixed(3)}, agreement with k-means ARI ${q.gmmAgreementAri.toFixed(3)}. We keep k-means: ${q.kmeansSilhouette >= q.gmmSilhouette ? 'better separated groups' : 'simpler to explain and to assign by centroid'}.</p>`;
  return `<!doctype html><html lang="${pt ? 'pt-BR' : 'en'}"><head><meta charset="utf-8"><title>${pt ? 'Segmentação de clientes' : 'Customer segmentation'}</title><style>${CSS}</style></head><body>
<h1>${pt ? 'Segmentação de clientes' : 'Customer segmentation'}</h1><div class="muted">${pt ? 'Dados até' : 'Data up to'} ${esc(m.asOf)} · ${fit.ids.length} ${pt ? 'clientes' : 'customers'}</div>
<section><h2>${pt ? 'Segmentos' : 'Segments'}</h2>${compare}${profile}<p class="muted">${pt ? 'Valores são medianas em unidades originais (dias, contagens, R$).' : 'Values are medians in original units (days, counts, money).'}</p></section>
<section><div class="grid">${scatter}${sizes}${kChart}</div></section>
<section><h2>${pt ? 'Distribuições por segmento' : 'Distributions by segment'}</h2><div class="grid">${dists.join('')}</div></section>
${cleaning !== undefined ? `<section><h2>${pt ? 'Limpeza dos dados' : 'Data cleaning'}</h2>${cleaningTable(cleaning, lang)}</section>` : ''}
</body></html>`;
}

/** The data dictionary of every field the pipelines read or build (Markdown). */
export function dataDictionary(features: readonly string[]): string {
  const known: Record<string, string> = {
    recency_days: 'Days from the last activity to the cutoff (higher = longer away).',
    tenure_days: 'Days from signup (or first activity) to the cutoff.',
    activity_30d:
      'Activities (visits/bookings, or transactions when the data has only payments) in the 30 days to the cutoff.',
    activity_prev_60d_per_30d:
      'Activities per 30 days in the 60 days before that (days 31-90 before the cutoff).',
    activity_change:
      '(activity_30d − activity_prev_60d_per_30d) / (activity_prev_60d_per_30d + 1): below 0 means falling attendance.',
    activity_90d: 'Activities in the 90 days to the cutoff.',
    activity_total: 'Activities from signup to the cutoff.',
    mean_gap_days: 'Mean days between consecutive activities.',
    max_gap_days: 'Longest gap between consecutive activities.',
    recency_over_gap:
      'recency_days / (mean_gap_days + 1): how unusual the current absence is for this customer.',
    visits_30d: 'Check-ins in the 30 days to the cutoff (unit data).',
    group_class_share: 'Share of class bookings among visits and bookings in 90 days.',
    distinct_services: 'Distinct class types booked in 90 days.',
    monetary_total: 'Sum of amounts to the cutoff (returns subtract).',
    monetary_90d: 'Sum of amounts in the 90 days to the cutoff.',
    avg_ticket: 'monetary_total / number of positive amounts.',
    returns_count: 'Negative amounts (returns, refunds) to the cutoff.',
    payment_delay_avg_days: 'Mean days a payment was made after its due date (unit data).',
    late_payments_180d: 'Payments more than 3 days late in 180 days (unit data).',
    contract_months: 'Contract length in months of the current membership (unit data).',
    age: 'Age in years; missing ages take the median (age_missing = 1).',
    age_missing: '1 when the age was missing.',
  };
  const lines = ['| field | meaning |', '|---|---|'];
  for (const f of features) {
    let text = known[f];
    if (text === undefined && f.startsWith('region='))
      text = `1 when the customer's region is ${f.slice(7)} (region=other: any region outside the most frequent).`;
    if (text === undefined && f.startsWith('plan=')) text = `1 when the customer's plan is ${f.slice(5)}.`;
    if (text === undefined && f.startsWith('gender='))
      text = `1 when the recorded gender is ${f.slice(7)}; never used as a reason.`;
    lines.push(`| \`${f}\` | ${text ?? 'column of the feature table, used as given'} |`);
  }
  return lines.join('\n');
}
