import { createReadStream, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { silentLogger } from '../lib/logger.ts';
import { HistoryImport, type ImportReport } from '../services/history-import.ts';
import { dbPathOf, openUnitStore } from '../unit-store.ts';
import { dataDirFrom, unitIdFrom } from './config.ts';
import { progressPrinter, UsageError } from './output.ts';

/** Units that exist in a data folder (a folder with a unit.db). */
function unitsIn(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(dbPathOf(join(dataDir, entry.name))))
    .map((entry) => entry.name)
    .sort();
}

/** Edit distance, to suggest the unit that was probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

function checkInputFile(option: string, file: string | undefined): void {
  if (file === undefined) return;
  if (!existsSync(file)) throw new UsageError(`${option}: there is no file ${file}`);
  if (statSync(file).isDirectory()) {
    throw new UsageError(`${option}: ${file} is a folder, not a file; give the path of the CSV file in it`);
  }
}

/** Quotes one CSV field when it needs it. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The text of the given lines of a file (1-based, as the import counts them). */
async function linesOf(path: string, wanted: ReadonlySet<number>): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  if (wanted.size === 0) return found;
  const last = Math.max(...wanted);
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (wanted.has(n)) found.set(n, n === 1 ? line.replace(/^\uFEFF/, '') : line);
    if (n >= last) break;
  }
  lines.close();
  return found;
}

/**
 * `--errors FILE`: every rejected row as CSV (`file,line,reason,row`), `row` being the line exactly as it
 * is in the input, so a clerk can fix the rows and import them again.
 */
async function writeRejected(
  path: string,
  rejected: ReadonlyArray<{ report: ImportReport; input: string }>,
): Promise<void> {
  const out = ['file,line,reason,row'];
  for (const { report, input } of rejected) {
    const raw = await linesOf(input, new Set(report.errors.map((error) => error.line)));
    for (const error of report.errors) {
      const reason = error.message.replace(/^line \d+: /, '');
      out.push(
        [input, String(error.line), reason, raw.get(error.line) ?? '']
          .map((field) => csvField(field))
          .join(','),
      );
    }
  }
  writeFileSync(path, `${out.join('\n')}\n`);
}

export async function importCommand(options: {
  unit: string;
  data?: string;
  customers?: string;
  transactions?: string;
  timeZone: string;
  errors?: string;
  createUnit?: boolean;
}): Promise<void> {
  const unitId = unitIdFrom(options.unit);
  if (options.customers === undefined && options.transactions === undefined) {
    throw new UsageError('give --customers FILE, --transactions FILE, or both');
  }
  checkInputFile('--customers', options.customers);
  checkInputFile('--transactions', options.transactions);
  const dataDir = dataDirFrom(options.data);
  const dir = join(dataDir, unitId);
  if (!existsSync(dbPathOf(dir)) && options.createUnit !== true) {
    const units = unitsIn(dataDir);
    const close = units.filter((unit) => distance(unit, unitId) <= 3);
    throw new UsageError(
      `there is no unit ${unitId} in ${dataDir}.` +
        (close.length > 0 ? ` Did you mean ${close.join(' or ')}?` : '') +
        (units.length > 0 ? ` Units there: ${units.join(', ')}.` : '') +
        ' To create a new unit with this import, add --create-unit.',
    );
  }
  const unit = openUnitStore({ dir, unitId, logger: silentLogger(), compactEveryMs: 0 });
  const reports: Array<{ report: ImportReport; input: string }> = [];
  try {
    const importer = new HistoryImport({
      store: unit.store,
      members: unit.members,
      unitId,
      timeZone: options.timeZone,
      actor: { id: 'system:import', role: 'system' },
    });
    for (const [kind, file] of [
      ['customers', options.customers],
      ['transactions', options.transactions],
    ] as const) {
      if (file === undefined) continue;
      const show = progressPrinter(`importing ${file}`, ' rows');
      const started = Date.now();
      const report = await importer[kind](file, {
        onProgress: (p) => show(p.bytesRead, p.totalBytes, p.rows),
      });
      reports.push({ report, input: file });
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `${file}: ${report.rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged${report.membersCreated ? `, ${report.membersCreated} ${report.membersCreated === 1 ? 'member' : 'members'} created for unknown customers` : ''}, ${report.errors.length} rejected`,
      );
      for (const error of report.errors.slice(0, 20)) console.log(`  ${error.message}`);
      if (report.errors.length > 20)
        console.log(
          `  ... and ${report.errors.length - 20} more${options.errors ? ` (all in ${options.errors})` : ' (use --errors FILE to get them all)'}`,
        );
    }
    const newMembers = reports.reduce(
      (sum, { report }) => sum + (report.file === 'customers' ? report.created : report.membersCreated),
      0,
    );
    if (newMembers > 0) {
      console.log(
        `Note: the ${newMembers.toLocaleString('en-US')} new member(s) have no name, e-mail or phone (the chain's exports hold none): ` +
          "they are the chain's customers, found by their customer id (search for it, e.g. GET /api/v1/members?q=CS5295). " +
          'Add a name at the front desk when they come in.',
      );
    }
  } finally {
    await unit.close();
  }
  if (options.errors !== undefined) await writeRejected(options.errors, reports);
  if (reports.some(({ report }) => report.errors.length > 0)) process.exitCode = 3;
}
