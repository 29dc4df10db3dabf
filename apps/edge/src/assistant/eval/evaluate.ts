import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { silentLogger } from '../../lib/logger.ts';
import { openUnitStore } from '../../unit-store.ts';
import { INTENTS, type Intent } from '../classifier.ts';
import { ConversationStore } from '../conversations.ts';
import { AssistantEngine, defaultClassifier } from '../engine.ts';
import type { Entities } from '../entities.ts';
import { seedAssistantFixture } from '../fixture.ts';
import { fold } from '../normalize.ts';
import { StoreAssistantPorts } from '../store-adapter.ts';

/** Reference clock of the evaluation sets: Monday 2026-11-30 10:00 in São Paulo. */
export const EVAL_NOW = new Date('2026-11-30T13:00:00Z');
const EVAL_TODAY = '2026-11-30';
const WEEK = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const Item = z.strictObject({
  t: z.string(),
  i: z.enum(INTENTS),
  l: z.enum(['pt', 'en']),
  e: z.record(z.string(), z.string()).optional(),
});
const Scenario = z.strictObject({
  name: z.string(),
  turns: z.array(z.string()).min(1),
  expect: z.strictObject({
    book: z.record(z.string(), z.string()).optional(),
    cancel: z.record(z.string(), z.string()).optional(),
    none: z.boolean().optional(),
  }),
  setup: z.strictObject({ booked: z.array(z.record(z.string(), z.string())) }).optional(),
});
const EvalFile = z.strictObject({
  about: z.string(),
  items: z.array(Item),
  scenarios: z.array(Scenario).optional(),
});
export type EvalItem = z.infer<typeof Item>;
export type EvalScenario = z.infer<typeof Scenario>;

/** Loads `heldout` or `dev` (validated). */
export function loadEvalSet(name: 'heldout' | 'dev'): z.infer<typeof EvalFile> {
  return EvalFile.parse(JSON.parse(readFileSync(new URL(`./${name}.json`, import.meta.url), 'utf8')));
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** An annotated day ("+1", "fri") as a date relative to the reference Monday. */
export function expectedDate(day: string): string {
  if (day.startsWith('+')) return addDays(EVAL_TODAY, Number(day.slice(1)));
  const target = WEEK.indexOf(day);
  return addDays(EVAL_TODAY, (target - 1 + 7) % 7);
}

function expectedPairs(e: Record<string, string> | undefined): Set<string> {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(e ?? {})) {
    if (key === 'day') out.add(`date=${expectedDate(value)}`);
    else if (key === 'class') out.add(`class=${fold(value)}`);
    else if (key === 'days') out.add(`days=${value}`);
    else out.add(`${key}=${value}`);
  }
  return out;
}

function predictedPairs(e: Entities): Set<string> {
  const out = new Set<string>();
  if (e.date) out.add(`date=${e.date}`);
  if (e.time) out.add(`time=${e.time}`);
  for (const c of e.classes ?? []) out.add(`class=${c}`);
  for (const x of e.exercises ?? []) out.add(`exercise=${x}`);
  for (const b of e.bodyParts ?? []) out.add(`bodyPart=${b}`);
  if (e.goal) out.add(`goal=${e.goal}`);
  if (e.level) out.add(`level=${e.level}`);
  if (e.equipment) out.add(`equipment=${e.equipment}`);
  if (e.daysPerWeek) out.add(`days=${e.daysPerWeek}`);
  return out;
}

/** Figures of one evaluation run. */
export interface EvalReport {
  readonly set: string;
  readonly utterances: number;
  readonly intentAccuracy: number;
  readonly byLanguage: Record<'pt' | 'en', { n: number; accuracy: number }>;
  readonly entity: { precision: number; recall: number; f1: number; tp: number; fp: number; fn: number };
  readonly outOfScope: { precision: number; recall: number; predicted: number; actual: number };
  readonly misses: Array<{ text: string; want: Intent; got: Intent; confidence: number }>;
  readonly latencyMs: { p50: number; p99: number; max: number; samples: number };
}

export interface ScenarioReport {
  readonly total: number;
  readonly passed: number;
  readonly failures: string[];
}

/** The store, fixture and engine the evaluation runs on: a real unit database in a temp folder. */
export async function evaluationUnit() {
  const dir = mkdtempSync(join(tmpdir(), 'gymedge-assistant-eval-'));
  const unit = openUnitStore({ dir, unitId: 'sp-paulista', logger: silentLogger(), compactEveryMs: 0 });
  const fixture = await seedAssistantFixture(unit, 'sp-paulista', EVAL_TODAY, 8);
  const ports = StoreAssistantPorts.over(unit, { unitId: 'sp-paulista', clock: () => EVAL_NOW });
  const engine = new AssistantEngine({ schedule: ports, bookings: ports, gym: ports, handover: ports });
  return {
    unit,
    fixture,
    ports,
    engine,
    close: async () => {
      await unit.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Intent accuracy, entity F1, out-of-scope precision and reply latency on one set. */
export async function evaluateSet(
  engine: AssistantEngine,
  items: readonly EvalItem[],
  set: string,
  memberId: string,
  rounds = 3,
): Promise<EvalReport> {
  let correct = 0;
  const lang = { pt: { n: 0, ok: 0 }, en: { n: 0, ok: 0 } };
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let oosPredicted = 0;
  let oosCorrect = 0;
  let oosActual = 0;
  const misses: EvalReport['misses'] = [];
  for (const item of items) {
    const { classification, entities } = engine.understand(item.t, EVAL_NOW);
    const ok = classification.intent === item.i;
    if (ok) correct += 1;
    else
      misses.push({
        text: item.t,
        want: item.i,
        got: classification.intent,
        confidence: Math.round(classification.confidence * 100) / 100,
      });
    lang[item.l].n += 1;
    if (ok) lang[item.l].ok += 1;
    if (classification.intent === 'out_of_scope') {
      oosPredicted += 1;
      if (item.i === 'out_of_scope') oosCorrect += 1;
    }
    if (item.i === 'out_of_scope') oosActual += 1;
    const want = expectedPairs(item.e);
    const got = predictedPairs(entities);
    for (const pair of got)
      if (want.has(pair)) tp += 1;
      else fp += 1;
    for (const pair of want) if (!got.has(pair)) fn += 1;
  }
  // Reply latency: the whole engine (classify, extract, retrieve, read the store), one fresh conversation per message.
  const conversations = new ConversationStore();
  const samples: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const item of items) {
      const conversation = conversations.open(undefined, 'eval', memberId, 'pt-BR');
      const started = performance.now();
      await engine.handle(item.t, { now: EVAL_NOW, actorId: 'eval', memberId, mayAct: false }, conversation);
      samples.push(performance.now() - started);
    }
  }
  samples.sort((a, b) => a - b);
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  return {
    set,
    utterances: items.length,
    intentAccuracy: correct / items.length,
    byLanguage: {
      pt: { n: lang.pt.n, accuracy: lang.pt.n === 0 ? 0 : lang.pt.ok / lang.pt.n },
      en: { n: lang.en.n, accuracy: lang.en.n === 0 ? 0 : lang.en.ok / lang.en.n },
    },
    entity: {
      precision,
      recall,
      f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
      tp,
      fp,
      fn,
    },
    outOfScope: {
      precision: oosPredicted === 0 ? 1 : oosCorrect / oosPredicted,
      recall: oosActual === 0 ? 1 : oosCorrect / oosActual,
      predicted: oosPredicted,
      actual: oosActual,
    },
    misses,
    latencyMs: {
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: samples.at(-1) ?? 0,
      samples: samples.length,
    },
  };
}

/**
 * Tool-call success: each scenario is a multi-turn dialogue on the real store; it passes when exactly the
 * expected booking or cancellation happened (class, day, time), or nothing when nothing was expected.
 */
export async function runScenarios(
  ctx: Awaited<ReturnType<typeof evaluationUnit>>,
  scenarios: readonly EvalScenario[],
): Promise<ScenarioReport> {
  const failures: string[] = [];
  const member = ctx.fixture.memberId;
  const find = (spec: Record<string, string>) => {
    const date = expectedDate(spec.day ?? '+0');
    return ctx.ports
      .sessions(`${addDays(date, -1)}T12:00:00Z`, `${addDays(date, 1)}T12:00:00Z`)
      .find(
        (s) => s.localDate === date && fold(s.title) === fold(spec.class ?? '') && s.localTime === spec.time,
      );
  };
  const mine = () =>
    ctx.ports
      .bookingsOf(member, EVAL_NOW.toISOString())
      .map((b) => b.session.id)
      .sort();
  for (const scenario of scenarios) {
    for (const id of mine()) await ctx.ports.cancel(member, id);
    for (const spec of scenario.setup?.booked ?? []) {
      const session = find(spec);
      if (session) await ctx.ports.book(member, session.id);
    }
    const before = mine();
    const conversations = new ConversationStore();
    const conversation = conversations.open(undefined, 'eval', member, 'pt-BR');
    for (const turn of scenario.turns) {
      await ctx.engine.handle(
        turn,
        { now: EVAL_NOW, actorId: 'eval', memberId: member, mayAct: true },
        conversation,
      );
    }
    const after = mine();
    let ok: boolean;
    if (scenario.expect.book) {
      const target = find(scenario.expect.book);
      ok = target !== undefined && after.includes(target.id) && after.length === before.length + 1;
    } else if (scenario.expect.cancel) {
      const target = find(scenario.expect.cancel);
      ok = target !== undefined && !after.includes(target.id) && after.length === before.length - 1;
    } else ok = JSON.stringify(before) === JSON.stringify(after);
    if (!ok) failures.push(scenario.name);
  }
  for (const id of mine()) await ctx.ports.cancel(member, id);
  return { total: scenarios.length, passed: scenarios.length - failures.length, failures };
}

/** Training time of the default model (a fresh one, not the shared instance). */
export function trainingInfo(): { examples: number; vocabulary: number } {
  const model = defaultClassifier();
  return { examples: 0, vocabulary: model.vocabularySize };
}
