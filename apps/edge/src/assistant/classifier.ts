import { fold, words } from './normalize.ts';

/** Everything the assistant can be asked, plus the two answers to a confirmation and "not my job". */
export const INTENTS = [
  'smalltalk',
  'confirm',
  'deny',
  'exercise_technique',
  'nutrition',
  'medical',
  'emergency',
  'gym_hours',
  'gym_plans',
  'gym_rules',
  'class_schedule',
  'book_class',
  'cancel_booking',
  'my_status',
  'workout_plan',
  'handover',
  'out_of_scope',
] as const;
export type Intent = (typeof INTENTS)[number];

/** One training example: a phrase and what it means. */
export interface Example {
  readonly text: string;
  readonly intent: Intent;
}

/** The classifier's verdict: the best intent, its probability, and the runner-up. */
export interface Classification {
  readonly intent: Intent;
  readonly confidence: number;
  /** The intent the model scored best, before the out-of-scope rules. */
  readonly raw: Intent;
  readonly second: { readonly intent: Intent; readonly confidence: number };
  /** Share of the message's features the model has seen in training (0..1); gibberish scores low. */
  readonly coverage: number;
}

/** Training and decision knobs (the defaults were set on the dev set, never on the held-out set). */
export interface ClassifierOptions {
  readonly epochs?: number;
  readonly learningRate?: number;
  readonly l2?: number;
  /** Below this probability the answer is out-of-scope. */
  readonly threshold?: number;
  /** Below this feature coverage the answer is out-of-scope. */
  readonly minCoverage?: number;
  readonly seed?: number;
  /** Concept tags of a message (e.g. from the lexicons), added as features `k:<tag>`. */
  readonly concepts?: (text: string) => readonly string[];
}

/**
 * Sparse features of a message: word unigrams and bigrams, 5-letter word prefixes (a poor man's
 * stemmer that works for pt and en), and character 3- and 4-grams inside words (typos and missing
 * accents change few of them).
 */
export function features(text: string, concepts?: (text: string) => readonly string[]): string[] {
  const tokens = words(fold(text));
  const out = new Set<string>();
  for (const concept of concepts?.(text) ?? []) out.add(`k:${concept}`);
  tokens.forEach((token, index) => {
    out.add(`w:${token}`);
    if (token.length > 5) out.add(`p:${token.slice(0, 5)}`);
    const next = tokens[index + 1];
    if (next !== undefined) out.add(`b:${token}_${next}`);
    const padded = ` ${token} `;
    for (let n = 3; n <= 4; n += 1) {
      for (let i = 0; i + n <= padded.length; i += 1) out.add(`c:${padded.slice(i, i + n)}`);
    }
  });
  if (tokens.length === 0) out.add('w:<empty>');
  return [...out];
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Encoded {
  readonly index: Int32Array;
  readonly value: number;
}

/**
 * A multinomial logistic regression over sparse n-gram features, trained by SGD from the project's own
 * examples (a few hundred per language; it trains in well under a second). Deterministic for a seed.
 */
export class IntentClassifier {
  readonly #vocab = new Map<string, number>();
  #weights = new Float32Array(0);
  #bias = new Float32Array(INTENTS.length);
  readonly #threshold: number;
  readonly #minCoverage: number;
  readonly #concepts: ((text: string) => readonly string[]) | undefined;

  private constructor(options: ClassifierOptions) {
    this.#concepts = options.concepts;
    this.#threshold = options.threshold ?? 0.3;
    this.#minCoverage = options.minCoverage ?? 0.35;
  }

  /** Trains a classifier on `examples`. */
  static train(examples: readonly Example[], options: ClassifierOptions = {}): IntentClassifier {
    const model = new IntentClassifier(options);
    model.#fit(examples, options);
    return model;
  }

  get vocabularySize(): number {
    return this.#vocab.size;
  }

  #encode(text: string, grow: boolean): { encoded: Encoded; coverage: number } {
    const list = features(text, this.#concepts);
    const index: number[] = [];
    for (const feature of list) {
      let id = this.#vocab.get(feature);
      if (id === undefined && grow) {
        id = this.#vocab.size;
        this.#vocab.set(feature, id);
      }
      if (id !== undefined) index.push(id);
    }
    const coverage = list.length === 0 ? 0 : index.length / list.length;
    return {
      encoded: { index: Int32Array.from(index), value: index.length === 0 ? 0 : 1 / Math.sqrt(index.length) },
      coverage,
    };
  }

  #scores(encoded: Encoded): Float64Array {
    const k = INTENTS.length;
    const scores = new Float64Array(k);
    for (let c = 0; c < k; c += 1) scores[c] = this.#bias[c] ?? 0;
    for (const id of encoded.index) {
      const row = id * k;
      for (let c = 0; c < k; c += 1)
        scores[c] = (scores[c] ?? 0) + (this.#weights[row + c] ?? 0) * encoded.value;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (const s of scores) if (s > max) max = s;
    let sum = 0;
    for (let c = 0; c < k; c += 1) {
      const e = Math.exp((scores[c] ?? 0) - max);
      scores[c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c += 1) scores[c] = (scores[c] ?? 0) / sum;
    return scores;
  }

  #fit(examples: readonly Example[], options: ClassifierOptions): void {
    const k = INTENTS.length;
    const data = examples.map((example) => ({
      encoded: this.#encode(example.text, true).encoded,
      label: INTENTS.indexOf(example.intent),
    }));
    this.#weights = new Float32Array(this.#vocab.size * k);
    const epochs = options.epochs ?? 60;
    const rate0 = options.learningRate ?? 4;
    const l2 = options.l2 ?? 1e-5;
    const random = mulberry32(options.seed ?? 7);
    const order = data.map((_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch += 1) {
      for (let i = order.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
      }
      const rate = rate0 / (1 + epoch * 0.15);
      for (const n of order) {
        const item = data[n];
        if (item === undefined) continue;
        const p = this.#scores(item.encoded);
        for (let c = 0; c < k; c += 1) {
          const gradient = (p[c] ?? 0) - (c === item.label ? 1 : 0);
          this.#bias[c] = (this.#bias[c] ?? 0) - rate * gradient * 0.1;
          for (const id of item.encoded.index) {
            const at = id * k + c;
            const w = this.#weights[at] ?? 0;
            this.#weights[at] = w - rate * (gradient * item.encoded.value + l2 * w);
          }
        }
      }
    }
  }

  /** Classifies one message, with the out-of-scope rules applied (low confidence, unknown words). */
  classify(text: string): Classification {
    const { encoded, coverage } = this.#encode(text, false);
    const p = this.#scores(encoded);
    const ranked = INTENTS.map((intent, c) => ({ intent, confidence: p[c] ?? 0 })).sort(
      (a, b) => b.confidence - a.confidence,
    );
    const top = ranked[0] ?? { intent: 'out_of_scope' as const, confidence: 0 };
    const second = ranked[1] ?? { intent: 'out_of_scope' as const, confidence: 0 };
    const unsure = top.confidence < this.#threshold || coverage < this.#minCoverage;
    return {
      intent: unsure ? 'out_of_scope' : top.intent,
      confidence: unsure && top.intent !== 'out_of_scope' ? 1 - top.confidence : top.confidence,
      raw: top.intent,
      second,
      coverage,
    };
  }
}
