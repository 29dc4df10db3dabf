import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';

/** How a checkpoint copies the WAL into the database file (SQLite's `wal_checkpoint` modes). */
export type CheckpointMode = 'PASSIVE' | 'TRUNCATE';

export interface WalCheckpointerOptions {
  /** The database file (in WAL mode) whose log is checkpointed. */
  readonly path: string;
  /** The connection that writes: its automatic checkpoints are turned off while the worker runs. */
  readonly db: Database;
  readonly logger: Logger;
  /** How often the worker runs a PASSIVE checkpoint (ms). */
  readonly everyMs?: number;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly busy?: number;
  readonly error?: string;
}

// The worker is plain JavaScript (it runs the same from the TypeScript sources, the bundle and tests).
// It has its own connection; PASSIVE never blocks the writer, TRUNCATE waits for it and then empties the log.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 5000 });
const run = (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0];
let stopped = false;
const tick = () => {
  if (stopped) return;
  try { run('PASSIVE'); } catch (error) { parentPort.postMessage({ id: -1, ok: false, error: String(error && error.message || error) }); }
  setTimeout(tick, workerData.everyMs).unref();
};
setTimeout(tick, workerData.everyMs).unref();
parentPort.on('message', (m) => {
  if (m.mode === 'CLOSE') { stopped = true; db.close(); parentPort.postMessage({ id: m.id, ok: true }); parentPort.close(); return; }
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      const row = run(m.mode);
      if (row.busy === 0 || Date.now() > deadline) { parentPort.postMessage({ id: m.id, ok: row.busy === 0, busy: row.busy }); return; }
    } catch (error) {
      if (Date.now() > deadline) { parentPort.postMessage({ id: m.id, ok: false, error: String(error && error.message || error) }); return; }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
});
`;

/**
 * WAL checkpoints off the thread that answers people. SQLite's automatic checkpoint runs inside the
 * COMMIT that crosses 1,000 pages, on the writer's thread, with an fsync of the database file (one
 * such commit took 73 ms). Here the writer's automatic checkpoints are off (`wal_autocheckpoint=0`)
 * and a worker thread with its own connection runs a PASSIVE checkpoint every `everyMs` (it never
 * blocks the writer; the writer restarts the log from its start once a checkpoint has copied all of
 * it). `truncate()` asks the worker for a TRUNCATE checkpoint: every frame is copied into the
 * database file, which is fsynced, and the log is cut to zero bytes, so no older page image is left
 * in it. An erasure waits for that before it is acknowledged.
 *
 * If the worker cannot start, the writer keeps SQLite's automatic checkpoints and `truncate()` runs
 * on the calling thread.
 */
export class WalCheckpointer {
  readonly #db: Database;
  readonly #log: Logger;
  readonly #worker: Worker | undefined;
  readonly #waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #next = 1;
  #closed = false;

  constructor(options: WalCheckpointerOptions) {
    this.#db = options.db;
    this.#log = options.logger.child({ module: 'checkpoint' });
    let worker: Worker | undefined;
    try {
      worker = new Worker(WORKER, {
        eval: true,
        workerData: {
          driver: createRequire(import.meta.url).resolve('better-sqlite3'),
          path: options.path,
          everyMs: options.everyMs ?? 1000,
        },
      });
      worker.unref();
      worker.on('message', (reply: Reply) => this.#settle(reply));
      worker.on('error', (error) => {
        this.#log.error({ err: error }, 'checkpoint worker failed; checkpoints return to the writer');
        this.#db.pragma('wal_autocheckpoint = 1000');
        for (const [, waiter] of this.#waiting) waiter.reject(error);
        this.#waiting.clear();
      });
      this.#db.pragma('wal_autocheckpoint = 0');
    } catch (error) {
      this.#log.warn({ err: error }, 'no checkpoint worker; SQLite checkpoints on the writer');
      worker = undefined;
    }
    this.#worker = worker;
  }

  /** Whether checkpoints run on the worker thread. */
  get inWorker(): boolean {
    return this.#worker !== undefined;
  }

  /** Copies the whole WAL into the database file (fsynced) and truncates the WAL to 0 bytes. */
  truncate(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the checkpointer is closed'));
    if (this.#worker === undefined) {
      const [row] = this.#db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      return row?.busy === 0
        ? Promise.resolve()
        : Promise.reject(new Error('the WAL could not be truncated: a reader held it'));
    }
    return this.#ask('TRUNCATE');
  }

  /** Stops the worker (its connection closes); the writer's automatic checkpoints come back. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#worker === undefined) return;
    try {
      await this.#ask('CLOSE');
    } catch {
      // already gone
    }
    await this.#worker.terminate();
    this.#db.pragma('wal_autocheckpoint = 1000');
  }

  #ask(mode: CheckpointMode | 'CLOSE'): Promise<void> {
    const id = this.#next++;
    const worker = this.#worker as Worker;
    worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, mode });
    }).finally(() => {
      if (this.#waiting.size === 0) worker.unref();
    });
  }

  #settle(reply: Reply): void {
    if (reply.id === -1) {
      this.#log.warn({ error: reply.error }, 'background checkpoint failed');
      return;
    }
    const waiter = this.#waiting.get(reply.id);
    if (waiter === undefined) return;
    this.#waiting.delete(reply.id);
    if (reply.ok) waiter.resolve();
    else
      waiter.reject(
        new Error(`the WAL could not be checkpointed: ${reply.error ?? 'a reader kept it busy for 10 s'}`),
      );
  }
}
