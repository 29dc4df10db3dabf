import { join } from 'node:path';
import { silentLogger } from '../lib/logger.ts';
import { backupUnit, restoreUnit, verifyBackup } from '../store/backup.ts';
import { openUnitStore } from '../unit-store.ts';
import { dataDirFrom, unitIdFrom } from './config.ts';
import { progressPrinter, UsageError } from './output.ts';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function backupCommand(options: { unit: string; data?: string; out: string }): Promise<void> {
  const unitId = unitIdFrom(options.unit);
  const summary = await backupUnit(
    join(dataDirFrom(options.data), unitId),
    options.out,
    progressPrinter('backup'),
  );
  console.log(
    `Backed up ${summary.unitId}: ${summary.documents.toLocaleString('en-US')} documents (${summary.members.toLocaleString('en-US')} members), ${mb(summary.bytes)}, verified, to ${summary.path}`,
  );
}

export async function restoreCommand(options: {
  unit: string;
  data?: string;
  from: string;
  yes?: boolean;
}): Promise<void> {
  const unitId = unitIdFrom(options.unit);
  const dir = join(dataDirFrom(options.data), unitId);
  if (!options.yes) {
    const summary = verifyBackup(options.from);
    console.log(
      `${options.from} is a good backup of ${summary.unitId} (${summary.documents.toLocaleString('en-US')} documents, ${mb(summary.bytes)}).`,
    );
    if (summary.unitId !== unitId) {
      throw new UsageError(
        `${options.from} is a backup of ${summary.unitId}, NOT of ${unitId}; restore would refuse it.`,
      );
    }
    console.log(
      `Run again with --yes to replace ${dir}/unit.db with it (the current one is kept beside it).`,
    );
    return;
  }
  const result = restoreUnit(dir, options.from, unitId);
  if (result.erasuresToReapply > 0) {
    // Apply them now, so the restored database never sits with keys of members erased since the backup.
    const unit = openUnitStore({ dir, unitId, logger: silentLogger(), compactEveryMs: 0 });
    try {
      await unit.ready;
    } finally {
      await unit.close();
    }
  }
  console.log(
    `Restored ${result.unitId} from ${options.from}: ${result.documents.toLocaleString('en-US')} documents.${result.keptAs ? ` The previous database is kept as ${result.keptAs}.` : ''}${result.erasuresToReapply > 0 ? ` ${result.erasuresToReapply.toLocaleString('en-US')} erasure(s) made since the backup were applied again.` : ''}`,
  );
}
