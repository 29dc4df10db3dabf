import { join } from 'node:path';
import { silentLogger } from '../lib/logger.ts';
import { openUnitStore } from '../unit-store.ts';
import { dataDirFrom, unitIdFrom } from './config.ts';
import { progressPrinter } from './output.ts';

export async function rebuildCommand(options: { unit: string; data?: string }): Promise<void> {
  const unitId = unitIdFrom(options.unit);
  const unit = openUnitStore({
    dir: join(dataDirFrom(options.data), unitId),
    unitId,
    logger: silentLogger(),
    compactEveryMs: 0,
  });
  try {
    const started = Date.now();
    const done = unit.store.rebuildProjections(undefined, progressPrinter('rebuild'));
    console.log(
      `Rebuilt the read models of ${unitId} from ${done.toLocaleString('en-US')} documents in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
  } finally {
    await unit.close();
  }
}
