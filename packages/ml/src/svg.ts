/** Small hand-written SVG charts for the reports (no browser and no chart library needed). */

export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const W = 420;
const H = 300;
const M = { l: 52, r: 14, t: 28, b: 44 };

function frame(title: string, xLabel: string, yLabel: string, body: string, w = W, h = H): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(title)}" font-family="Helvetica, Arial, sans-serif" font-size="11">
<text x="${w / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>
${body}
<text x="${(M.l + w - M.r) / 2}" y="${h - 8}" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(13 ${(M.t + h - M.b) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
</svg>`;
}

function axes(
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  w = W,
  h = H,
  fmt = (v: number) => v.toFixed(1),
): string {
  const parts: string[] = [];
  const px = (v: number) => M.l + ((v - x0) / (x1 - x0 || 1)) * (w - M.l - M.r);
  const py = (v: number) => h - M.b - ((v - y0) / (y1 - y0 || 1)) * (h - M.t - M.b);
  for (let k = 0; k <= 5; k++) {
    const vx = x0 + ((x1 - x0) * k) / 5;
    const vy = y0 + ((y1 - y0) * k) / 5;
    parts.push(`<line x1="${px(vx)}" y1="${h - M.b}" x2="${px(vx)}" y2="${M.t}" stroke="#eee"/>`);
    parts.push(`<text x="${px(vx)}" y="${h - M.b + 14}" text-anchor="middle" fill="#555">${fmt(vx)}</text>`);
    parts.push(`<line x1="${M.l}" y1="${py(vy)}" x2="${w - M.r}" y2="${py(vy)}" stroke="#eee"/>`);
    parts.push(`<text x="${M.l - 5}" y="${py(vy) + 4}" text-anchor="end" fill="#555">${fmt(vy)}</text>`);
  }
  parts.push(
    `<rect x="${M.l}" y="${M.t}" width="${w - M.l - M.r}" height="${h - M.t - M.b}" fill="none" stroke="#999"/>`,
  );
  return parts.join('\n');
}

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  color?: string;
  dots?: boolean;
}

/** Lines on a [x0,x1]×[y0,y1] box, with a legend; `diagonal` draws y = x. */
export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: Series[],
  opts: { diagonal?: boolean; x?: [number, number]; y?: [number, number] } = {},
): string {
  const [x0, x1] = opts.x ?? [0, 1];
  const [y0, y1] = opts.y ?? [0, 1];
  const px = (v: number) => M.l + ((v - x0) / (x1 - x0 || 1)) * (W - M.l - M.r);
  const py = (v: number) => H - M.b - ((v - y0) / (y1 - y0 || 1)) * (H - M.t - M.b);
  const parts = [axes(x0, x1, y0, y1)];
  if (opts.diagonal)
    parts.push(
      `<line x1="${px(x0)}" y1="${py(y0)}" x2="${px(x1)}" y2="${py(y1)}" stroke="#999" stroke-dasharray="4 3"/>`,
    );
  series.forEach((s, i) => {
    const color = s.color ?? (PALETTE[i % PALETTE.length] as string);
    const d = s.points
      .map((p, k) => `${k === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
      .join('');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (s.dots)
      for (const p of s.points)
        parts.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    parts.push(
      `<rect x="${W - M.r - 150}" y="${H - M.b - 14 - 14 * (series.length - 1 - i)}" width="10" height="3" fill="${color}"/>`,
    );
    parts.push(
      `<text x="${W - M.r - 136}" y="${H - M.b - 10 - 14 * (series.length - 1 - i)}">${esc(s.name)}</text>`,
    );
  });
  return frame(title, xLabel, yLabel, parts.join('\n'));
}

/** Vertical bars with their value printed on top; optional second series as dots (e.g. predicted). */
export function barChart(
  title: string,
  xLabel: string,
  yLabel: string,
  labels: string[],
  values: number[],
  opts: { dots?: number[]; fmt?: (v: number) => string; legend?: [string, string]; width?: number } = {},
): string {
  const w = opts.width ?? W;
  const fmt = opts.fmt ?? ((v: number) => v.toFixed(2));
  const max = Math.max(1e-9, ...values, ...(opts.dots ?? []));
  const y1 = max * 1.35;
  const innerW = w - M.l - M.r;
  const bw = innerW / Math.max(1, labels.length);
  const py = (v: number) => H - M.b - (v / y1) * (H - M.t - M.b);
  const parts = [
    axes(0, 1, 0, y1, w, H, (v) => fmt(v)).replace(
      /<text x="[^"]+" y="[^"]+" text-anchor="middle" fill="#555">[^<]*<\/text>/g,
      '',
    ),
  ];
  labels.forEach((label, i) => {
    const x = M.l + i * bw + bw * 0.15;
    const v = values[i] as number;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${py(v).toFixed(1)}" width="${(bw * 0.7).toFixed(1)}" height="${(H - M.b - py(v)).toFixed(1)}" fill="${PALETTE[0]}"/>`,
    );
    parts.push(
      `<text x="${(x + bw * 0.35).toFixed(1)}" y="${(py(v) - 3).toFixed(1)}" text-anchor="middle">${esc(fmt(v))}</text>`,
    );
    const short = label.length > 20 ? `${label.slice(0, 19)}…` : label;
    parts.push(
      `<text x="${(x + bw * 0.35).toFixed(1)}" y="${H - M.b + 14}" text-anchor="middle">${esc(short)}</text>`,
    );
    const d = opts.dots?.[i];
    if (d !== undefined)
      parts.push(
        `<circle cx="${(x + bw * 0.35).toFixed(1)}" cy="${py(d).toFixed(1)}" r="4" fill="${PALETTE[1]}"/>`,
      );
  });
  if (opts.legend) {
    parts.push(
      `<rect x="${M.l + 8}" y="${M.t + 6}" width="10" height="10" fill="${PALETTE[0]}"/><text x="${M.l + 22}" y="${M.t + 15}">${esc(opts.legend[0])}</text>`,
    );
    parts.push(
      `<circle cx="${M.l + 13}" cy="${M.t + 27}" r="4" fill="${PALETTE[1]}"/><text x="${M.l + 22}" y="${M.t + 31}">${esc(opts.legend[1])}</text>`,
    );
  }
  return frame(title, xLabel, yLabel, parts.join('\n'), w);
}

/** Horizontal bars, for importances. */
export function hbarChart(title: string, xLabel: string, labels: string[], values: number[]): string {
  const h = Math.max(160, 40 + labels.length * 22);
  const w = W;
  const left = 170;
  const max = Math.max(1e-9, ...values);
  const parts: string[] = [];
  labels.forEach((label, i) => {
    const y = 30 + i * 22;
    const len = ((values[i] as number) / max) * (w - left - 50);
    parts.push(
      `<text x="${left - 6}" y="${y + 12}" text-anchor="end">${esc(label.length > 25 ? `${label.slice(0, 24)}…` : label)}</text>`,
    );
    parts.push(`<rect x="${left}" y="${y}" width="${len.toFixed(1)}" height="15" fill="${PALETTE[0]}"/>`);
    parts.push(
      `<text x="${(left + len + 4).toFixed(1)}" y="${y + 12}">${(values[i] as number).toFixed(2)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="Helvetica, Arial, sans-serif" font-size="11"><text x="${w / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>${parts.join('')}<text x="${(left + w) / 2}" y="${h - 4}" text-anchor="middle">${esc(xLabel)}</text></svg>`;
}

/** 2×2 confusion matrix with counts and shares. */
export function confusionChart(
  title: string,
  m: [[number, number], [number, number]],
  labels: { actual: string; predicted: string; stay: string; leave: string },
): string {
  const total = m[0][0] + m[0][1] + m[1][0] + m[1][1];
  const max = Math.max(...m.flat(), 1);
  const cell = 100;
  const x0 = 140;
  const y0 = 60;
  const parts: string[] = [];
  for (let r = 0; r < 2; r++)
    for (let c = 0; c < 2; c++) {
      const v = (m[r] as [number, number])[c] as number;
      const shade = Math.round(255 - (v / max) * 170);
      const good = r === c;
      const fill = good
        ? `rgb(${shade},${Math.min(255, shade + 40)},${shade})`
        : `rgb(255,${shade},${shade})`;
      parts.push(
        `<rect x="${x0 + c * cell}" y="${y0 + r * cell}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff"/>`,
      );
      parts.push(
        `<text x="${x0 + c * cell + cell / 2}" y="${y0 + r * cell + cell / 2}" text-anchor="middle" font-size="18" font-weight="bold">${v}</text>`,
      );
      parts.push(
        `<text x="${x0 + c * cell + cell / 2}" y="${y0 + r * cell + cell / 2 + 18}" text-anchor="middle">${((100 * v) / Math.max(1, total)).toFixed(1)}%</text>`,
      );
    }
  parts.push(
    `<text x="${x0 + cell}" y="${y0 - 22}" text-anchor="middle" font-weight="bold">${esc(labels.predicted)}</text>`,
  );
  parts.push(`<text x="${x0 + cell / 2}" y="${y0 - 6}" text-anchor="middle">${esc(labels.stay)}</text>`);
  parts.push(`<text x="${x0 + 1.5 * cell}" y="${y0 - 6}" text-anchor="middle">${esc(labels.leave)}</text>`);
  parts.push(
    `<text transform="translate(${x0 - 60} ${y0 + cell}) rotate(-90)" text-anchor="middle" font-weight="bold">${esc(labels.actual)}</text>`,
  );
  parts.push(`<text x="${x0 - 8}" y="${y0 + cell / 2}" text-anchor="end">${esc(labels.stay)}</text>`);
  parts.push(`<text x="${x0 - 8}" y="${y0 + 1.5 * cell}" text-anchor="end">${esc(labels.leave)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="Helvetica, Arial, sans-serif" font-size="11"><text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>${parts.join('')}</svg>`;
}

/**
 * SHAP summary ("beeswarm"): one row per feature, one dot per customer at its SHAP value, coloured
 * from blue (low feature value) to red (high).
 */
export function shapSummary(
  title: string,
  xLabel: string,
  features: string[],
  shap: number[][],
  values: number[][],
  legend: [string, string],
): string {
  const rows = features.length;
  const h = 60 + rows * 26;
  const w = 520;
  const left = 180;
  let lo = 0;
  let hi = 0;
  for (const r of shap)
    for (const v of r) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  const span = hi - lo || 1;
  const px = (v: number) => left + ((v - lo) / span) * (w - left - 20);
  const parts: string[] = [`<line x1="${px(0)}" y1="28" x2="${px(0)}" y2="${h - 30}" stroke="#999"/>`];
  features.forEach((f, r) => {
    const y = 40 + r * 26;
    parts.push(
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${esc(f.length > 25 ? `${f.slice(0, 24)}…` : f)}</text>`,
    );
    const s = shap[r] as number[];
    const v = values[r] as number[];
    const vmin = Math.min(...v);
    const vmax = Math.max(...v);
    const step = Math.max(1, Math.floor(s.length / 400));
    for (let i = 0; i < s.length; i += step) {
      const t = vmax > vmin ? ((v[i] as number) - vmin) / (vmax - vmin) : 0.5;
      const jitter = (((i * 2654435761) >>> 0) % 1000) / 1000 - 0.5;
      const color = `rgb(${Math.round(30 + 220 * t)},${Math.round(80 + 40 * (1 - Math.abs(t - 0.5) * 2))},${Math.round(250 - 220 * t)})`;
      parts.push(
        `<circle cx="${px(s[i] as number).toFixed(1)}" cy="${(y + jitter * 14).toFixed(1)}" r="2.2" fill="${color}" fill-opacity="0.7"/>`,
      );
    }
  });
  for (let k = 0; k <= 4; k++) {
    const v = lo + (span * k) / 4;
    parts.push(
      `<text x="${px(v).toFixed(1)}" y="${h - 16}" text-anchor="middle" fill="#555">${v.toFixed(1)}</text>`,
    );
  }
  parts.push(`<text x="${(left + w) / 2}" y="${h - 2}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(
    `<circle cx="${w - 150}" cy="22" r="4" fill="rgb(30,80,250)"/><text x="${w - 142}" y="26">${esc(legend[0])}</text>`,
  );
  parts.push(
    `<circle cx="${w - 75}" cy="22" r="4" fill="rgb(250,80,30)"/><text x="${w - 67}" y="26">${esc(legend[1])}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="Helvetica, Arial, sans-serif" font-size="11"><text x="${left / 2 + 40}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>${parts.join('')}</svg>`;
}

/** Scatter of points coloured by group. */
export function scatterChart(
  title: string,
  xLabel: string,
  yLabel: string,
  points: { x: number; y: number; group: number }[],
  groupNames: string[],
): string {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const px = (v: number) => M.l + ((v - x0) / (x1 - x0 || 1)) * (W - M.l - M.r);
  const py = (v: number) => H - M.b - ((v - y0) / (y1 - y0 || 1)) * (H - M.t - M.b);
  const parts = [axes(x0, x1, y0, y1)];
  const step = Math.max(1, Math.floor(points.length / 1500));
  for (let i = 0; i < points.length; i += step) {
    const p = points[i] as { x: number; y: number; group: number };
    parts.push(
      `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="2" fill="${PALETTE[p.group % PALETTE.length]}" fill-opacity="0.6"/>`,
    );
  }
  groupNames.forEach((g, i) => {
    parts.push(
      `<circle cx="${M.l + 10}" cy="${M.t + 10 + i * 14}" r="4" fill="${PALETTE[i % PALETTE.length]}"/><text x="${M.l + 18}" y="${M.t + 14 + i * 14}">${esc(g)}</text>`,
    );
  });
  return frame(title, xLabel, yLabel, parts.join('\n'));
}

/** Histogram of values, one series per group, as step lines. */
export function histogramChart(
  title: string,
  xLabel: string,
  groups: { name: string; values: number[] }[],
  bins = 20,
): string {
  const all = groups.flatMap((g) => g.values);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const width = (hi - lo) / bins || 1;
  let maxShare = 0;
  const series: Series[] = groups.map((g) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of g.values) {
      const b = Math.min(bins - 1, Math.floor((v - lo) / width));
      counts[b] = (counts[b] as number) + 1;
    }
    const shares = counts.map((c) => c / Math.max(1, g.values.length));
    maxShare = Math.max(maxShare, ...shares);
    return { name: g.name, points: shares.map((s, b) => ({ x: lo + (b + 0.5) * width, y: s })), dots: true };
  });
  return lineChart(title, xLabel, '%', series, { x: [lo, hi], y: [0, maxShare * 1.1] });
}
