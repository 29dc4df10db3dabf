import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** One benchmark area of `npm run bench`: runs its measurements and returns a Markdown section. */
export interface BenchArea {
  /** Short name used by `--only` and in the section markers. */
  readonly name: string;
  readonly run: (opts: { quick: boolean; log: (line: string) => void }) => Promise<string>;
}

const start = (area: string) => `<!-- bench:${area}:start -->`;
const end = (area: string) => `<!-- bench:${area}:end -->`;

/**
 * Replaces one area's section of docs/benchmarks.md (between its markers), keeping every other area's
 * latest figures; a new area is appended at the end.
 */
export function writeSection(file: string, area: string, markdown: string): void {
  const block = `${start(area)}\n${markdown.trim()}\n${end(area)}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const from = current.indexOf(start(area));
  const to = current.indexOf(end(area));
  let next: string;
  if (from >= 0 && to > from) {
    next = current.slice(0, from) + block + current.slice(to + end(area).length);
  } else if (current.includes('<!-- bench:')) {
    next = `${current.trimEnd()}\n\n${block}\n`;
  } else {
    // A report written before sections existed is the foundation's: keep it as that section.
    const legacy = current.trim().replace(/^# Benchmarks\s*/, '');
    const foundation =
      legacy === '' || area === 'foundation'
        ? ''
        : `${start('foundation')}\n${legacy}\n${end('foundation')}\n\n`;
    next = `# Benchmarks\n\nWritten by \`npm run bench\` (\`-- --only AREA\` reruns one area and replaces only its section). Do not edit by hand.\n\n${foundation}${block}\n`;
  }
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}
