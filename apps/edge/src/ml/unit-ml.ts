/**
 * Churn and segments on a running unit: trains on the unit's own members in the background after
 * start-up (so the risk list is alive after `npm start`), retrains on a cron schedule, keeps a
 * champion and a challenger in the registry (shadow scoring, promote, rollback), monitors AUC on
 * labels that arrive later and PSI drift per feature, raises alert documents for the staff console,
 * and exports Prometheus metrics.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSnapshot,
  type CleanData,
  type CompiledModel,
  explain,
  type FeatureSpec,
  fitSegments,
  psi,
  QUICK_GRID,
  type Reason,
  rocAuc,
  type SavedChurnModel,
  type SegmentModel,
  TrainingDataError,
  topReasons,
  trainFromEventsAsync,
} from '@gymedge/ml';
import type { DocumentStore } from '@gymedge/store';
import type { Database } from 'better-sqlite3';
import { Cron } from 'croner';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../lib/logger.ts';
import { lookupSegments, readChurnModel, type SegmentLookup, writeChurnArtifacts } from './artifacts.ts';
import { readUnitData } from './live-data.ts';
import { OnnxChurnScorer } from './onnx-scorer.ts';
import { ModelRegistry, type VersionRow } from './registry.ts';

export const MODEL_NAME = 'churn';

/** `<unit>/ml.json`; every field optional. */
export const UnitMlConfig = z.strictObject({
  /** Cron schedule of retraining (croner syntax), default Sundays 03:00. */
  retrain: z.string().default('0 3 * * 0'),
  /** Days without a check-in or payment that count as churn. */
  horizonDays: z.number().int().min(14).max(180).default(45),
  /** Train at start-up when there is no champion yet. */
  trainOnStart: z.boolean().default(true),
  /** Promote a challenger automatically when its test ROC AUC is at least the champion's. */
  autoPromote: z.boolean().default(true),
  /** PSI above this raises a drift alert. */
  psiAlert: z.number().default(0.25),
  /** An AUC on later labels this far below the training AUC raises an alert. */
  aucDropAlert: z.number().default(0.05),
});
export type UnitMlConfig = z.infer<typeof UnitMlConfig>;

export interface RiskEntry {
  customerId: string;
  probability: number;
  reasons: Reason[];
  segment?: { id: number; name: string; nameEn: string };
}

export interface ChurnStatus {
  state: 'idle' | 'training' | 'ready' | 'no-model' | 'failed';
  message?: string;
  champion?: VersionRow & { trainedAt: string; testRocAuc: number };
  challenger?: VersionRow;
  scoredAt?: string;
  members: number;
}

export interface UnitMlOptions {
  dir: string;
  db: Database;
  logger: Logger;
  registry?: Registry;
  store?: DocumentStore;
  config?: Partial<UnitMlConfig>;
  /** The unit's "today" (tests move it). */
  today?: () => string;
}

interface Loaded {
  version: VersionRow;
  model: SavedChurnModel;
  onnx: OnnxChurnScorer;
  dir: string;
}

export class UnitMl {
  readonly config: UnitMlConfig;
  readonly registry: ModelRegistry;
  #opts: UnitMlOptions;
  #state: ChurnStatus['state'] = 'idle';
  #message: string | undefined;
  #champion: Loaded | undefined;
  #scores = new Map<string, RiskEntry>();
  #ranked: RiskEntry[] = [];
  #scoredAt: string | undefined;
  #segments: SegmentModel | undefined;
  #cron: Cron | undefined;
  #startTimer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;
  /** Aborted by {@link stop}: a training run in progress ends at its next fit instead of holding the shutdown. */
  readonly #abort = new AbortController();
  #metrics:
    | {
        predictions: Counter;
        score: Histogram;
        psi: Gauge;
        auc: Gauge;
        trainSeconds: Gauge;
      }
    | undefined;

  constructor(opts: UnitMlOptions) {
    this.#opts = opts;
    const file = join(opts.dir, 'ml.json');
    const fromFile = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : {};
    this.config = UnitMlConfig.parse({ ...(fromFile as object), ...(opts.config ?? {}) });
    mkdirSync(join(opts.dir, 'ml'), { recursive: true });
    this.registry = new ModelRegistry(join(opts.dir, 'ml', 'registry.db'));
    if (opts.registry !== undefined) {
      const r = opts.registry;
      this.#metrics = {
        predictions: new Counter({
          name: 'gymedge_churn_predictions_total',
          help: 'Churn predictions served',
          labelNames: ['source'],
          registers: [r],
        }),
        score: new Histogram({
          name: 'gymedge_churn_score',
          help: 'Distribution of churn probabilities served',
          buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
          registers: [r],
        }),
        psi: new Gauge({
          name: 'gymedge_churn_feature_psi',
          help: 'PSI drift of each feature against the training snapshot',
          labelNames: ['feature'],
          registers: [r],
        }),
        auc: new Gauge({
          name: 'gymedge_churn_model_auc',
          help: 'ROC AUC of the champion',
          labelNames: ['on'],
          registers: [r],
        }),
        trainSeconds: new Gauge({
          name: 'gymedge_churn_training_seconds',
          help: 'Duration of the last training',
          registers: [r],
        }),
      };
    }
  }

  #today(): string {
    return this.#opts.today?.() ?? new Date().toISOString().slice(0, 10);
  }

  /** Loads the champion if there is one (no heavy work: see {@link begin}). */
  async start(): Promise<void> {
    const champion = this.registry.champion(MODEL_NAME);
    if (champion !== undefined) {
      try {
        await this.#load(champion);
      } catch (error) {
        this.#opts.logger.warn({ err: error }, 'churn champion could not be loaded; retraining');
      }
    }
    if (this.#champion === undefined) this.#state = this.config.trainOnStart ? 'idle' : 'no-model';
  }

  /**
   * Starts the background work once the unit serves requests: scores with the loaded champion, or
   * trains the first model; then the cron schedule. Training yields to the event loop after every fit.
   */
  begin(delayMs = 2000): void {
    if (this.#stopped || this.#cron !== undefined) return;
    if (this.#champion !== undefined) {
      this.#startTimer = setTimeout(() => void this.#guard(() => this.refreshScores()), delayMs);
    } else if (this.config.trainOnStart) {
      this.#startTimer = setTimeout(() => void this.#guard(() => this.retrain('first start')), delayMs);
    }
    this.#cron = new Cron(
      this.config.retrain,
      { protect: true },
      () => void this.#guard(() => this.retrain('schedule')),
    );
  }

  async #guard(task: () => Promise<unknown>): Promise<void> {
    if (this.#stopped || this.#running !== undefined) return;
    this.#running = task();
    try {
      await this.#running;
    } catch (error) {
      this.#opts.logger.error({ err: error }, 'churn task failed');
    } finally {
      this.#running = undefined;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error('the unit is stopping'));
    if (this.#startTimer !== undefined) clearTimeout(this.#startTimer);
    this.#cron?.stop();
    await this.#running?.catch(() => {});
    this.registry.close();
  }

  status(): ChurnStatus {
    const s: ChurnStatus = { state: this.#state, members: this.#ranked.length };
    if (this.#message !== undefined) s.message = this.#message;
    const c = this.#champion;
    if (c !== undefined) {
      const run = this.registry.run(c.version.runId);
      s.champion = {
        ...c.version,
        trainedAt: c.model.createdAt,
        testRocAuc: run?.metrics.testRocAuc ?? Number.NaN,
      };
    }
    const ch = this.registry.challenger(MODEL_NAME);
    if (ch !== undefined) s.challenger = ch;
    if (this.#scoredAt !== undefined) s.scoredAt = this.#scoredAt;
    return s;
  }

  async #load(version: VersionRow): Promise<Loaded> {
    const run = this.registry.run(version.runId);
    if (run?.artifactDir == null) throw new Error(`run ${version.runId} has no artifacts`);
    const model = await readChurnModel(run.artifactDir);
    const onnx = await OnnxChurnScorer.load(join(run.artifactDir, 'model.onnx'), model.features.length);
    const loaded = { version, model, onnx, dir: run.artifactDir };
    this.#champion = loaded;
    this.#state = 'ready';
    return loaded;
  }

  /** Trains on the unit's data, registers the run, and promotes it when the rules say so. */
  async retrain(reason: string): Promise<VersionRow | undefined> {
    this.#state = 'training';
    this.#message = reason;
    const started = performance.now();
    const asOf = this.#today();
    const runId = this.registry.startRun('unit-churn', {
      reason,
      horizonDays: this.config.horizonDays,
      grid: 'quick',
      asOf,
    });
    try {
      // Yield first so start-up and the first requests are served before the CPU-bound work.
      await new Promise((r) => setImmediate(r));
      const data = readUnitData(this.#opts.db, this.#today());
      const out = await trainFromEventsAsync(data, {
        grid: QUICK_GRID,
        folds: 3,
        horizonDays: this.config.horizonDays,
        labelMode: 'inactivity',
        signal: this.#abort.signal,
      });
      const dir = join(this.#opts.dir, 'ml', 'runs', String(runId));
      await writeChurnArtifacts(dir, out, { pdf: false });
      const champ = out.metrics.models.find((m) => m.kind === out.metrics.champion);
      const metrics: Record<string, number> = {
        testRocAuc: champ?.test.rocAuc ?? Number.NaN,
        testPrAuc: champ?.test.prAuc ?? Number.NaN,
        testBrier: champ?.test.brier ?? Number.NaN,
        cvRocAuc: champ?.cvRocAuc ?? Number.NaN,
        trainRows: out.metrics.rows.train,
        testRows: out.metrics.rows.test,
      };
      for (const m of out.metrics.models) metrics[`${m.kind}.testRocAuc`] = m.test.rocAuc;
      this.registry.finishRun(runId, {
        metrics,
        dataFingerprint: out.model.dataFingerprint,
        artifactDir: dir,
        params: {
          reason,
          horizonDays: this.config.horizonDays,
          grid: 'quick',
          asOf,
          champion: out.model.champion,
          ...out.model.params,
        },
      });
      const version = this.registry.register(MODEL_NAME, runId);
      const seconds = (performance.now() - started) / 1000;
      this.#metrics?.trainSeconds.set(seconds);
      this.#opts.logger.info(
        {
          runId,
          version: version.version,
          stage: version.stage,
          champion: out.model.champion,
          testRocAuc: metrics.testRocAuc,
          seconds,
        },
        'churn model trained',
      );
      try {
        this.#segments = fitSegments(data, { kMax: 6 }).model;
      } catch (error) {
        this.#opts.logger.warn({ err: error }, 'segments not fitted');
      }
      if (version.stage === 'champion') {
        await this.#load(version);
      } else {
        await this.#shadow(version, data);
        const current = this.#champion;
        const currentAuc =
          current === undefined
            ? Number.NEGATIVE_INFINITY
            : (this.registry.run(current.version.runId)?.metrics.testRocAuc ?? Number.NEGATIVE_INFINITY);
        if (this.config.autoPromote && (metrics.testRocAuc ?? 0) >= currentAuc) {
          this.registry.promote(
            MODEL_NAME,
            version.version,
            `challenger test ROC AUC ${metrics.testRocAuc?.toFixed(3)} ≥ champion ${currentAuc.toFixed(3)}`,
          );
          await this.#load(this.registry.champion(MODEL_NAME) as VersionRow);
        } else this.#state = 'ready';
      }
      this.#message = undefined;
      await this.refreshScores(data);
      await this.checkDrift(data);
      return this.registry.version(MODEL_NAME, version.version);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.registry.failRun(runId, message);
      this.#state =
        this.#champion === undefined ? (error instanceof TrainingDataError ? 'no-model' : 'failed') : 'ready';
      this.#message = message;
      this.#opts.logger.warn({ runId, err: message }, 'churn training did not produce a model');
      return undefined;
    }
  }

  /** Scores every member with the champion and the challenger, and logs both. */
  async #shadow(version: VersionRow, data: CleanData): Promise<void> {
    const champion = this.#champion;
    const run = this.registry.run(version.runId);
    if (champion === undefined || run?.artifactDir == null) return;
    const challenger = await readChurnModel(run.artifactDir);
    const a = this.#snapshot(champion.model, data, this.#today());
    const b = this.#snapshot(challenger, data, this.#today());
    const pa = await champion.onnx.score(a.data.x);
    const onnxB = await OnnxChurnScorer.load(join(run.artifactDir, 'model.onnx'), challenger.features.length);
    const pb = await onnxB.score(b.data.x);
    const byId = new Map(b.data.ids.map((id, i) => [id, pb[i] as number]));
    this.registry.recordShadow(
      MODEL_NAME,
      version.version,
      a.data.ids
        .filter((id) => byId.has(id))
        .map((id, i) => ({ customerId: id, champion: pa[i] as number, challenger: byId.get(id) as number })),
    );
  }

  #snapshot(model: SavedChurnModel, data: CleanData, cutoff: string) {
    return buildSnapshot(data, model.spec as FeatureSpec, cutoff, { labelMode: 'none' });
  }

  /** Recomputes every member's risk and reasons with the champion. */
  async refreshScores(given?: CleanData): Promise<void> {
    const champion = this.#champion;
    if (champion === undefined) return;
    const data = given ?? readUnitData(this.#opts.db, this.#today());
    if (this.#segments === undefined) {
      try {
        this.#segments = fitSegments(data, { kMax: 6 }).model;
      } catch (error) {
        this.#opts.logger.warn({ err: error }, 'segments not fitted');
      }
    }
    const snap = this.#snapshot(champion.model, data, this.#today());
    const probs = await champion.onnx.score(snap.data.x);
    const p = champion.model.features.length;
    const scores = new Map<string, RiskEntry>();
    const compiled = champion.model.compiled as CompiledModel;
    snap.data.ids.forEach((id, i) => {
      const e = explain(compiled, snap.data.x, i * p);
      const entry: RiskEntry = {
        customerId: id,
        probability: probs[i] as number,
        reasons: topReasons(champion.model.features, snap.data.x, e, 3, i * p),
      };
      const seg = this.#segments?.assignments[id];
      const info = seg === undefined ? undefined : this.#segments?.segments.find((s) => s.id === seg);
      if (info !== undefined) entry.segment = { id: info.id, name: info.name.pt, nameEn: info.name.en };
      scores.set(id, entry);
      this.#metrics?.score.observe(entry.probability);
    });
    this.#scores = scores;
    // The risk list is for members who are still around: those gone for two horizons already left
    // (the model trains on the same population); they stay scoreable by id.
    const recency = champion.model.features.indexOf('recency_days');
    const horizon = (champion.model.spec as FeatureSpec).horizonDays;
    const active = new Set(
      snap.data.ids.filter((_, i) => recency < 0 || (snap.data.x[i * p + recency] as number) <= 2 * horizon),
    );
    this.#ranked = [...scores.values()]
      .filter((s) => active.has(s.customerId))
      .sort((a, b) => b.probability - a.probability);
    this.#scoredAt = new Date().toISOString();
  }

  /** Risk of the given members (from the last scoring; members without a score are `notFound`). */
  score(ids: readonly string[]): { results: RiskEntry[]; notFound: string[] } {
    const results: RiskEntry[] = [];
    const notFound: string[] = [];
    for (const id of ids) {
      const s = this.#scores.get(id);
      if (s === undefined) notFound.push(id);
      else results.push(s);
    }
    this.#metrics?.predictions.inc({ source: 'score' }, results.length);
    return { results, notFound };
  }

  risk(limit: number): RiskEntry[] {
    const out = this.#ranked.slice(0, limit);
    this.#metrics?.predictions.inc({ source: 'risk' }, out.length);
    return out;
  }

  segments(): SegmentModel | undefined {
    return this.#segments;
  }

  lookupSegments(ids: readonly string[]): SegmentLookup | undefined {
    return this.#segments === undefined ? undefined : lookupSegments(this.#segments, ids);
  }

  async promote(version: number): Promise<VersionRow> {
    const v = this.registry.promote(MODEL_NAME, version, 'manual');
    await this.#load(v);
    await this.refreshScores();
    return v;
  }

  async rollback(): Promise<VersionRow> {
    const v = this.registry.rollback(MODEL_NAME);
    await this.#load(v);
    await this.refreshScores();
    return v;
  }

  /**
   * Drift and degradation: PSI per feature between the training snapshot and today's, and — once the
   * horizon after the model's scoring day has passed — ROC AUC of its predictions on those labels.
   */
  async checkDrift(
    given?: CleanData,
  ): Promise<{ psi: Record<string, number>; laterAuc?: number; waitingUntil?: string }> {
    const champion = this.#champion;
    if (champion === undefined) return { psi: {} };
    const data = given ?? readUnitData(this.#opts.db, this.#today());
    const spec = champion.model.spec as FeatureSpec;
    const trainCutoff = champion.model.cutoff as string;
    const then = this.#snapshot(champion.model, data, trainCutoff).data;
    const now = this.#snapshot(champion.model, data, this.#today()).data;
    const p = spec.names.length;
    const result: { psi: Record<string, number>; laterAuc?: number; waitingUntil?: string } = { psi: {} };
    const drifted: string[] = [];
    for (let j = 0; j < p; j++) {
      const a = Float64Array.from({ length: then.y.length }, (_, i) => then.x[i * p + j] as number);
      const b = Float64Array.from({ length: now.y.length }, (_, i) => now.x[i * p + j] as number);
      const v = psi(a, b);
      const name = spec.names[j] as string;
      result.psi[name] = v;
      this.#metrics?.psi.set({ feature: name }, v);
      if (Number.isFinite(v))
        this.registry.recordMonitor(MODEL_NAME, champion.version.version, 'psi', name, v);
      if (v > this.config.psiAlert) drifted.push(`${name} (PSI ${v.toFixed(2)})`);
    }
    const run = this.registry.run(champion.version.runId);
    const trainedAuc = run?.metrics.testRocAuc ?? Number.NaN;
    this.#metrics?.auc.set({ on: 'test' }, trainedAuc);
    // The model scored members as of its training day; their labels are known one horizon later.
    const scoredDay =
      typeof run?.params.asOf === 'string' ? run.params.asOf : champion.model.createdAt.slice(0, 10);
    const labelsDue = new Date(Date.parse(`${scoredDay}T00:00:00Z`) + spec.horizonDays * 86_400_000)
      .toISOString()
      .slice(0, 10);
    if (this.#today() >= labelsDue) {
      const later = buildSnapshot(data, spec, scoredDay, { labelMode: 'inactivity' }).data;
      const probs = await champion.onnx.score(later.x);
      const auc = rocAuc(later.y, probs);
      if (Number.isFinite(auc)) {
        result.laterAuc = auc;
        this.#metrics?.auc.set({ on: 'later-labels' }, auc);
        this.registry.recordMonitor(MODEL_NAME, champion.version.version, 'auc', null, auc);
      }
      if (Number.isFinite(auc) && auc < trainedAuc - this.config.aucDropAlert) {
        await this.#alert(
          'warning',
          `Modelo de evasão perdeu qualidade: AUC ${auc.toFixed(2)} (era ${trainedAuc.toFixed(2)})`,
          `Churn model degraded: ROC AUC on labels that arrived later is ${auc.toFixed(3)}, against ${trainedAuc.toFixed(3)} at training (version ${champion.version.version}). Retrain or roll back.`,
        );
      }
    } else result.waitingUntil = labelsDue;
    if (drifted.length > 0) {
      await this.#alert(
        drifted.length > 3 ? 'warning' : 'info',
        `Dados dos membros mudaram (drift em ${drifted.length} variáveis)`,
        `Churn model input drift since training (${trainCutoff}): ${drifted.join(', ')}. Predictions may be less reliable; the next retraining will learn the new pattern.`,
      );
    }
    return result;
  }

  async #alert(severity: 'info' | 'warning' | 'critical', title: string, detail: string): Promise<void> {
    const store = this.#opts.store;
    if (store === undefined) return;
    try {
      await store.create('alert', {
        kind: 'system',
        severity,
        title: title.slice(0, 120),
        detail: detail.slice(0, 1000),
        raisedAt: new Date().toISOString(),
      });
    } catch (error) {
      this.#opts.logger.warn({ err: error }, 'churn alert not written');
    }
  }
}
