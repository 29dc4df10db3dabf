/**
 * The model registry of a unit, in its own SQLite file (`ml.db` beside `unit.db`), in MLflow's
 * vocabulary: experiments hold runs (parameters, metrics, a fingerprint of the data, the artifact
 * folder); a registered model has numbered versions, one of which is the champion and at most one the
 * challenger. Promote and rollback move the champion; monitoring rows (AUC on later labels, PSI per
 * feature) and shadow scores are kept beside.
 */
import Database from 'better-sqlite3';

export type Stage = 'champion' | 'challenger' | 'archived';

export interface RunRow {
  id: number;
  experiment: string;
  status: 'running' | 'finished' | 'failed';
  startedAt: string;
  endedAt: string | null;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  dataFingerprint: string | null;
  artifactDir: string | null;
  error: string | null;
}

export interface VersionRow {
  name: string;
  version: number;
  runId: number;
  stage: Stage;
  createdAt: string;
  stageChangedAt: string;
}

export interface MonitorRow {
  at: string;
  version: number;
  kind: 'auc' | 'psi' | 'score_psi';
  feature: string | null;
  value: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS experiments (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  status TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, params TEXT NOT NULL DEFAULT '{}',
  metrics TEXT NOT NULL DEFAULT '{}', data_fingerprint TEXT, artifact_dir TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS registered_models (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS model_versions (name TEXT NOT NULL REFERENCES registered_models(name), version INTEGER NOT NULL,
  run_id INTEGER NOT NULL REFERENCES runs(id), stage TEXT NOT NULL, created_at TEXT NOT NULL, stage_changed_at TEXT NOT NULL,
  PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS stage_history (name TEXT NOT NULL, version INTEGER NOT NULL, stage TEXT NOT NULL, at TEXT NOT NULL, reason TEXT);
CREATE TABLE IF NOT EXISTS monitor (at TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,
  feature TEXT, value REAL NOT NULL);
CREATE TABLE IF NOT EXISTS shadow_scores (at TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  customer_id TEXT NOT NULL, champion_probability REAL NOT NULL, challenger_probability REAL NOT NULL);
`;

export class ModelRegistry {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  #experimentId(name: string): number {
    const row = this.db
      .prepare<[string], { id: number }>('SELECT id FROM experiments WHERE name = ?')
      .get(name);
    if (row !== undefined) return row.id;
    return Number(
      this.db
        .prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?)')
        .run(name, new Date().toISOString()).lastInsertRowid,
    );
  }

  startRun(experiment: string, params: Record<string, unknown>): number {
    const id = this.#experimentId(experiment);
    return Number(
      this.db
        .prepare('INSERT INTO runs (experiment_id, status, started_at, params) VALUES (?, ?, ?, ?)')
        .run(id, 'running', new Date().toISOString(), JSON.stringify(params)).lastInsertRowid,
    );
  }

  finishRun(
    runId: number,
    result: {
      metrics: Record<string, number>;
      dataFingerprint: string;
      artifactDir: string;
      params?: Record<string, unknown>;
    },
  ): void {
    this.db
      .prepare(
        `UPDATE runs SET status = 'finished', ended_at = ?, metrics = ?, data_fingerprint = ?, artifact_dir = ?,
         params = coalesce(?, params) WHERE id = ?`,
      )
      .run(
        new Date().toISOString(),
        JSON.stringify(result.metrics),
        result.dataFingerprint,
        result.artifactDir,
        result.params === undefined ? null : JSON.stringify(result.params),
        runId,
      );
  }

  failRun(runId: number, error: string): void {
    this.db
      .prepare(`UPDATE runs SET status = 'failed', ended_at = ?, error = ? WHERE id = ?`)
      .run(new Date().toISOString(), error.slice(0, 2000), runId);
  }

  run(runId: number): RunRow | undefined {
    const r = this.db
      .prepare<[number], Record<string, unknown>>(
        'SELECT r.*, e.name AS experiment FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?',
      )
      .get(runId);
    return r === undefined ? undefined : toRun(r);
  }

  runs(limit = 50): RunRow[] {
    return this.db
      .prepare<[number], Record<string, unknown>>(
        'SELECT r.*, e.name AS experiment FROM runs r JOIN experiments e ON e.id = r.experiment_id ORDER BY r.id DESC LIMIT ?',
      )
      .all(limit)
      .map(toRun);
  }

  /** Registers a finished run as a new version: champion if there is none, else challenger. */
  register(name: string, runId: number): VersionRow {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      this.db
        .prepare('INSERT OR IGNORE INTO registered_models (name, created_at) VALUES (?, ?)')
        .run(name, now);
      const next =
        (this.db
          .prepare<[string], { v: number | null }>(
            'SELECT max(version) AS v FROM model_versions WHERE name = ?',
          )
          .get(name)?.v ?? 0) + 1;
      const hasChampion = this.champion(name) !== undefined;
      const stage: Stage = hasChampion ? 'challenger' : 'champion';
      if (stage === 'challenger') {
        this.db
          .prepare(
            `UPDATE model_versions SET stage = 'archived', stage_changed_at = ? WHERE name = ? AND stage = 'challenger'`,
          )
          .run(now, name);
      }
      this.db
        .prepare('INSERT INTO model_versions VALUES (?, ?, ?, ?, ?, ?)')
        .run(name, next, runId, stage, now, now);
      this.db
        .prepare('INSERT INTO stage_history VALUES (?, ?, ?, ?, ?)')
        .run(name, next, stage, now, 'registered');
      return this.version(name, next) as VersionRow;
    })();
  }

  version(name: string, version: number): VersionRow | undefined {
    const r = this.db
      .prepare<[string, number], Record<string, unknown>>(
        'SELECT * FROM model_versions WHERE name = ? AND version = ?',
      )
      .get(name, version);
    return r === undefined ? undefined : toVersion(r);
  }

  versions(name: string): VersionRow[] {
    return this.db
      .prepare<[string], Record<string, unknown>>(
        'SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC',
      )
      .all(name)
      .map(toVersion);
  }

  champion(name: string): VersionRow | undefined {
    const r = this.db
      .prepare<[string], Record<string, unknown>>(
        `SELECT * FROM model_versions WHERE name = ? AND stage = 'champion'`,
      )
      .get(name);
    return r === undefined ? undefined : toVersion(r);
  }

  challenger(name: string): VersionRow | undefined {
    const r = this.db
      .prepare<[string], Record<string, unknown>>(
        `SELECT * FROM model_versions WHERE name = ? AND stage = 'challenger'`,
      )
      .get(name);
    return r === undefined ? undefined : toVersion(r);
  }

  /** Makes `version` the champion; the old champion is archived. */
  promote(name: string, version: number, reason = 'promoted'): VersionRow {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      const target = this.version(name, version);
      if (target === undefined) throw new Error(`model ${name} has no version ${version}`);
      this.db
        .prepare(
          `UPDATE model_versions SET stage = 'archived', stage_changed_at = ? WHERE name = ? AND stage = 'champion'`,
        )
        .run(now, name);
      this.db
        .prepare(
          `UPDATE model_versions SET stage = 'champion', stage_changed_at = ? WHERE name = ? AND version = ?`,
        )
        .run(now, name, version);
      this.db
        .prepare('INSERT INTO stage_history VALUES (?, ?, ?, ?, ?)')
        .run(name, version, 'champion', now, reason);
      return this.version(name, version) as VersionRow;
    })();
  }

  /** Puts back the champion that came before the current one. */
  rollback(name: string): VersionRow {
    const current = this.champion(name);
    if (current === undefined) throw new Error(`model ${name} has no champion to roll back`);
    const previous = this.db
      .prepare<[string, number], { version: number }>(
        `SELECT version FROM stage_history WHERE name = ? AND stage = 'champion' AND version <> ? ORDER BY rowid DESC LIMIT 1`,
      )
      .get(name, current.version);
    if (previous === undefined)
      throw new Error(`model ${name} has had no other champion before version ${current.version}`);
    return this.promote(name, previous.version, `rollback from ${current.version}`);
  }

  recordMonitor(
    name: string,
    version: number,
    kind: MonitorRow['kind'],
    feature: string | null,
    value: number,
  ): void {
    this.db
      .prepare('INSERT INTO monitor VALUES (?, ?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), name, version, kind, feature, value);
  }

  monitor(name: string, limit = 200): MonitorRow[] {
    return this.db
      .prepare<
        [string, number],
        { at: string; version: number; kind: MonitorRow['kind']; feature: string | null; value: number }
      >('SELECT at, version, kind, feature, value FROM monitor WHERE name = ? ORDER BY rowid DESC LIMIT ?')
      .all(name, limit);
  }

  recordShadow(
    name: string,
    version: number,
    rows: { customerId: string; champion: number; challenger: number }[],
  ): void {
    const at = new Date().toISOString();
    const insert = this.db.prepare('INSERT INTO shadow_scores VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const r of rows) insert.run(at, name, version, r.customerId, r.champion, r.challenger);
    })();
  }

  shadowSummary(name: string, version: number): { n: number; meanAbsDiff: number } {
    const r = this.db
      .prepare<[string, number], { n: number; d: number | null }>(
        'SELECT count(*) AS n, avg(abs(champion_probability - challenger_probability)) AS d FROM shadow_scores WHERE name = ? AND version = ?',
      )
      .get(name, version);
    return { n: r?.n ?? 0, meanAbsDiff: r?.d ?? 0 };
  }
}

function toRun(r: Record<string, unknown>): RunRow {
  return {
    id: r.id as number,
    experiment: r.experiment as string,
    status: r.status as RunRow['status'],
    startedAt: r.started_at as string,
    endedAt: (r.ended_at as string | null) ?? null,
    params: JSON.parse(r.params as string) as Record<string, unknown>,
    metrics: JSON.parse(r.metrics as string) as Record<string, number>,
    dataFingerprint: (r.data_fingerprint as string | null) ?? null,
    artifactDir: (r.artifact_dir as string | null) ?? null,
    error: (r.error as string | null) ?? null,
  };
}

function toVersion(r: Record<string, unknown>): VersionRow {
  return {
    name: r.name as string,
    version: r.version as number,
    runId: r.run_id as number,
    stage: r.stage as Stage,
    createdAt: r.created_at as string,
    stageChangedAt: r.stage_changed_at as string,
  };
}
