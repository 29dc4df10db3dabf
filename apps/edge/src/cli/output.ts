import { StoreOpenError } from '@gymedge/store';

/** A one-line progress bar on stderr when it is a terminal, or a line every 10% otherwise. */
export function progressPrinter(
  label: string,
  unit = '',
): (done: number, total: number | undefined, shown?: number) => void {
  let lastShown = -1;
  let lastAt = 0;
  let finished = false;
  return (done, total, shown = done) => {
    const count = `${shown.toLocaleString('en-US')}${unit}`;
    const percent =
      total !== undefined && total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : undefined;
    if (process.stderr.isTTY) {
      const now = Date.now();
      if (finished || (now - lastAt < 100 && percent !== 100)) return;
      finished = percent === 100;
      lastAt = now;
      const bar =
        percent === undefined
          ? ''
          : `[${'#'.repeat(percent / 5).padEnd(20, '.')}] ${String(percent).padStart(3)}% `;
      process.stderr.write(`\r${label} ${bar}${count}${percent === 100 ? '\n' : ''}`);
      return;
    }
    const step = percent === undefined ? Math.floor(done / 50_000) : Math.floor(percent / 10);
    if (step > lastShown) {
      lastShown = step;
      process.stderr.write(`${label} ${percent === undefined ? '' : `${percent}% `}(${count})\n`);
    }
  };
}

/** Prints an error a person can act on (no stack trace for the errors we expect) and exits. */
export function fail(error: unknown): never {
  if (error instanceof StoreOpenError || error instanceof UsageError) {
    process.stderr.write(`gymedge: ${error.message}\n`);
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`gymedge: ${message}\n`);
  if (process.env.GYMEDGE_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
  process.exit(1);
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
