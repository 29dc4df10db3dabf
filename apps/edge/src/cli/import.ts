import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../lib/logger.ts';
import { HistoryImport, type ImportReport } from '../services/history-import.ts';
import { openUnitStore } from '../unit-store.ts';
import { dataDirFrom, unitIdFrom } from './config.ts';
import { progressPrinter, UsageError } from './output.ts';

export async function importCommand(options: {
  unit: string;
  data?: string;
  customers?: string;
  transactions?: string;
  timeZone: string;
  errors?: string;
}): Promise<void> {
  const unitId = unitIdFrom(options.unit);
  if (options.customers === undefined && options.transactions === undefined) {
    throw new UsageError('give --customers FILE, --transactions FILE, or both');
  }
  for (const file of [options.customers, options.transactions]) {
    if (file !== undefined && !existsSync(file)) throw new UsageError(`there is no file ${file}`);
  }
  const unit = openUnitStore({
    dir: join(dataDirFrom(options.data), unitId),
    unitId,
    logger: silentLogger(),
    compactEveryMs: 0,
  });
  const reports: ImportReport[] = [];
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
      reports.push(report);
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
  } finally {
    await unit.close();
  }
  if (options.errors !== undefined) {
    writeFileSync(
      options.errors,
      reports.flatMap((r) => r.errors.map((e) => `${r.file}\t${e.message}\n`)).join(''),
    );
  }
  if (reports.some((r) => r.errors.length > 0)) process.exitCode = 3;
}
