import { spawn } from 'node:child_process';
import { track } from './cleanup.ts';
import { median } from './stats.ts';
import { BIN, binCodePath } from './unit-process.ts';

export interface CodeLoadResult {
  /** `node -e 0`: Node alone. */
  readonly nodeMs: number;
  /** `gymedge --version` on the bundle, when the bundle is fresh (else undefined). */
  readonly bundleMs: number | undefined;
  /** `GYMEDGE_FROM_SOURCE=1 gymedge --version`: Node, tsx and every module of the CLI from source. */
  readonly sourcesMs: number;
}

/**
 * Where a start's time goes before the unit's own code runs: Node alone, and Node loading every
 * module of the CLI (`--version` exits right after) from the bundle and from the sources (medians).
 */
export async function measureCodeLoad(runs: number): Promise<CodeLoadResult> {
  const timeExit = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const child = track(spawn(process.execPath, args, { stdio: 'ignore', env }));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0
          ? resolve(performance.now() - started)
          : reject(new Error(`node ${args.join(' ')}: exit ${code}`)),
      );
    });
  const fromSource = { ...process.env, GYMEDGE_FROM_SOURCE: '1' };
  const node: number[] = [];
  const bundle: number[] = [];
  const sources: number[] = [];
  for (let r = 0; r < runs; r++) {
    node.push(await timeExit(['-e', '0']));
    if (binCodePath() === 'bundle') bundle.push(await timeExit([BIN, '--version']));
    sources.push(await timeExit([BIN, '--version'], fromSource));
  }
  return {
    nodeMs: median(node),
    bundleMs: bundle.length === runs ? median(bundle) : undefined,
    sourcesMs: median(sources),
  };
}
