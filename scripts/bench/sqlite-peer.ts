import { join } from 'node:path';
import Database from 'better-sqlite3';
import { apiCreateBody } from './members.ts';
import { type LatencySummary, summarize } from './stats.ts';

/**
 * Raw SQLite peer: the same member payload (the API's JSON body) inserted into a WAL table with
 * `synchronous=FULL`, the durability the store promises. One transaction per insert pays one WAL
 * fsync per member; batches of `batch` per transaction are what group commit can reach at best.
 */

export interface SqlitePeerResult {
  readonly batch: number;
  readonly inserts: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Time of each COMMIT'd transaction (one fsync each). */
  readonly commit: LatencySummary;
}

export function sqlitePeer(dir: string, seconds: number, batch: number): SqlitePeerResult {
  const db = new Database(join(dir, `peer-${batch}.db`));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE members (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
    const insert = db.prepare<[string, string]>('INSERT INTO members (id, body) VALUES (?, ?)');
    const write = db.transaction((rows: readonly (readonly [string, string])[]) => {
      for (const [id, body] of rows) insert.run(id, body);
    });
    // A pool of bodies made up front, so the timed loop measures SQLite, not JSON.stringify.
    const pool = Array.from({ length: 1000 }, (_, i) => apiCreateBody(i));
    const commits: number[] = [];
    let n = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    while (performance.now() < deadline) {
      const rows: [string, string][] = [];
      for (let k = 0; k < batch; k++, n++) {
        rows.push([`member:${String(n).padStart(26, '0')}`, pool[n % pool.length] as string]);
      }
      const t0 = performance.now();
      write(rows);
      commits.push(performance.now() - t0);
    }
    const elapsed = (performance.now() - started) / 1000;
    return { batch, inserts: n, seconds: elapsed, perSecond: n / elapsed, commit: summarize(commits) };
  } finally {
    db.close();
  }
}
