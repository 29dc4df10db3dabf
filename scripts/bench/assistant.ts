/**
 * The assistant's evaluation (issue 18): intent accuracy on the held-out and dev sets, entity F1,
 * out-of-scope precision, tool-call success of multi-turn booking dialogues on a real unit database,
 * reply latency, and a scikit-learn peer (TF-IDF n-grams + logistic regression, trained on the same
 * examples) measured in the same run. Writes its figures into docs/assistant.md too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { IntentClassifier } from '../../apps/edge/src/assistant/classifier.ts';
import { conceptsOf } from '../../apps/edge/src/assistant/concepts.ts';
import {
  type EvalReport,
  evaluateSet,
  evaluationUnit,
  loadEvalSet,
  runScenarios,
} from '../../apps/edge/src/assistant/eval/evaluate.ts';
import { fold } from '../../apps/edge/src/assistant/normalize.ts';
import { TRAINING_EXAMPLES } from '../../apps/edge/src/assistant/training.ts';

const DOC = fileURLToPath(new URL('../../docs/assistant.md', import.meta.url));

const PEER = `
import json, sys, time
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union
data = json.load(sys.stdin)
t0 = time.perf_counter()
model = make_pipeline(
    make_union(TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 5), sublinear_tf=True),
               TfidfVectorizer(analyzer='word', ngram_range=(1, 2), sublinear_tf=True)),
    LogisticRegression(C=20, max_iter=3000))
model.fit([x[0] for x in data['train']], [x[1] for x in data['train']])
train_ms = (time.perf_counter() - t0) * 1000
t1 = time.perf_counter()
proba = model.predict_proba([x[0] for x in data['test']])
predict_ms = (time.perf_counter() - t1) * 1000 / max(1, len(data['test']))
labels = list(model.classes_)
ok = 0
for row, (_, want) in zip(proba, data['test']):
    best = max(range(len(row)), key=lambda i: row[i])
    got = labels[best] if row[best] >= data['threshold'] else 'out_of_scope'
    ok += got == want
print(json.dumps({'accuracy': ok / len(data['test']), 'train_ms': train_ms, 'predict_ms': predict_ms}))
`;

interface Peer {
  accuracy: number;
  train_ms: number;
  predict_ms: number;
}

function sklearnPeer(test: ReadonlyArray<{ t: string; i: string }>): Peer | undefined {
  if (!existsSync('/usr/bin/python3')) return undefined;
  try {
    const input = JSON.stringify({
      train: TRAINING_EXAMPLES.map((e) => [fold(e.text), e.intent]),
      test: test.map((x) => [fold(x.t), x.i]),
      threshold: 0.3,
    });
    const out = execFileSync('/usr/bin/python3', ['-c', PEER], {
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Peer;
  } catch {
    return undefined;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${x.toFixed(2)} ms`;

function row(r: EvalReport): string {
  return `| ${r.set} | ${r.utterances} | **${pct(r.intentAccuracy)}** | ${pct(r.byLanguage.pt.accuracy)} (${r.byLanguage.pt.n}) | ${pct(r.byLanguage.en.accuracy)} (${r.byLanguage.en.n}) | ${r.entity.f1.toFixed(3)} (P ${r.entity.precision.toFixed(2)}, R ${r.entity.recall.toFixed(2)}) | ${pct(r.outOfScope.precision)} (${r.outOfScope.predicted} predicted) / ${pct(r.outOfScope.recall)} | ${ms(r.latencyMs.p50)} / ${ms(r.latencyMs.p99)} |`;
}

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<string> {
  const heldout = loadEvalSet('heldout');
  const dev = loadEvalSet('dev');
  opts.log(`training the intent model on ${TRAINING_EXAMPLES.length} examples`);
  const t0 = performance.now();
  IntentClassifier.train(TRAINING_EXAMPLES, { concepts: (text) => conceptsOf(text) });
  const trainMs = performance.now() - t0;
  const ctx = await evaluationUnit();
  try {
    const rounds = opts.quick ? 2 : 5;
    opts.log('held-out set');
    const held = await evaluateSet(ctx.engine, heldout.items, 'held-out', ctx.fixture.memberId, rounds);
    opts.log('dev set');
    const devReport = await evaluateSet(ctx.engine, dev.items, 'dev', ctx.fixture.memberId, rounds);
    opts.log('booking dialogues');
    const scenarios = await runScenarios(ctx, dev.scenarios ?? []);
    opts.log('scikit-learn peer');
    const peer = sklearnPeer(heldout.items);
    const t1 = performance.now();
    for (const item of heldout.items) ctx.engine.understand(item.t, new Date());
    const classifyMs = (performance.now() - t1) / heldout.items.length;
    const total =
      heldout.items.length + dev.items.length + (dev.scenarios ?? []).reduce((n, s) => n + s.turns.length, 0);
    const lines = [
      '## Assistant',
      '',
      `Offline engine, ${TRAINING_EXAMPLES.length} training examples; ${total} evaluation utterances (${heldout.items.length} held-out, never used to train or tune; ${dev.items.length} dev; ${(dev.scenarios ?? []).length} multi-turn booking dialogues). Real unit database (temp folder). The machine is shared with other work while this runs (1-minute load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores), which inflates the tail latency.`,
      '',
      '| set | utterances | intent accuracy | pt-BR | en | entity F1 | out-of-scope precision / recall | reply p50 / p99 |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row(held),
      row(devReport),
      '',
      `Tool-call success (booking/cancel dialogues end in exactly the expected booking, or none): **${scenarios.passed}/${scenarios.total}**${scenarios.failures.length > 0 ? ` (failed: ${scenarios.failures.join(', ')})` : ''}.`,
      '',
      '| intent model on the held-out set | accuracy | training | classify one message | ratio (ours / peer) |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| GymEdge (n-grams + lexicon concepts, softmax regression, TypeScript) | ${pct(held.intentAccuracy)} | ${trainMs.toFixed(0)} ms | ${ms(classifyMs)} (with entities) | — |`,
      peer
        ? `| scikit-learn 1.2 TF-IDF char 2–5 + words 1–2, LogisticRegression (same examples, same 0.3 threshold) | ${pct(peer.accuracy)} | ${peer.train_ms.toFixed(0)} ms | ${ms(peer.predict_ms)} (batched) | accuracy ×${(held.intentAccuracy / peer.accuracy).toFixed(2)}, training ×${(trainMs / peer.train_ms).toFixed(2)} |`
        : '| scikit-learn peer | not available (no /usr/bin/python3 with sklearn) | | | |',
      '',
      `Held-out misses (${held.misses.length}): ${held.misses.map((m) => `"${m.text}" ${m.want}→${m.got}`).join('; ') || 'none'}.`,
    ];
    const section = lines.join('\n');
    if (existsSync(DOC)) {
      const doc = readFileSync(DOC, 'utf8');
      const start = '<!-- eval:start -->';
      const end = '<!-- eval:end -->';
      const a = doc.indexOf(start);
      const b = doc.indexOf(end);
      if (a >= 0 && b > a)
        writeFileSync(
          DOC,
          `${doc.slice(0, a + start.length)}\n${section.replace(/^## Assistant\n/, '')}\n${doc.slice(b)}`,
        );
    }
    return section;
  } finally {
    await ctx.close();
  }
}
