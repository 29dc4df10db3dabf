/** What one benchmark run measures; `--quick` is the ~2 minute version. */
export interface BenchConfig {
  readonly mode: 'quick' | 'full';
  readonly writeConnections: readonly number[];
  /** Target length of each measured write run (it is sized in requests from the previous rate). */
  readonly writeSeconds: number;
  readonly warmupRequests: number;
  readonly warmupSeconds: number;
  readonly sqliteSeconds: number;
  readonly sqliteBatch: number;
  readonly automergeDocs: number;
  /** Dataset sizes, ascending: each one grows the previous dataset. */
  readonly datasets: readonly number[];
  readonly starts: number;
  readonly searchesForRss: number;
  readonly searchesPerKind: number;
}

export function configFor(quick: boolean): BenchConfig {
  const common = {
    writeConnections: [10, 50],
    sqliteBatch: 50,
    starts: 3,
    searchesForRss: 1000,
    searchesPerKind: 500,
  };
  return quick
    ? {
        ...common,
        mode: 'quick',
        writeSeconds: 5,
        warmupRequests: 500,
        warmupSeconds: 1.5,
        sqliteSeconds: 2,
        automergeDocs: 2000,
        datasets: [20_000],
      }
    : {
        ...common,
        mode: 'full',
        writeSeconds: 10,
        warmupRequests: 1500,
        warmupSeconds: 3,
        sqliteSeconds: 4,
        automergeDocs: 6000,
        datasets: [20_000, 100_000],
      };
}

/** The aims the table is judged against. */
export const AIMS = {
  writesPerSecond: 1000,
  writeP99Ms: 20,
  coldStartMembers: 20_000,
  coldStartMs: 2000,
  rssBytes: 300 * 1024 * 1024,
  searchMembers: 20_000,
  searchP99Ms: 10,
} as const;
