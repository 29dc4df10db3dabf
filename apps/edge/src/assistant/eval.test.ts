import { describe, expect, it } from 'vitest';
import { expectedDate, loadEvalSet } from './eval/evaluate.ts';
import { fold } from './normalize.ts';
import { TRAINING_EXAMPLES } from './training.ts';

describe('the evaluation sets', () => {
  const heldout = loadEvalSet('heldout');
  const dev = loadEvalSet('dev');

  it('hold at least 300 utterances in both languages, out-of-scope included', () => {
    const turns = (dev.scenarios ?? []).reduce((n, s) => n + s.turns.length, 0);
    expect(heldout.items.length + dev.items.length + turns).toBeGreaterThanOrEqual(300);
    for (const set of [heldout, dev]) {
      expect(set.items.filter((i) => i.l === 'pt').length).toBeGreaterThan(40);
      expect(set.items.filter((i) => i.l === 'en').length).toBeGreaterThan(40);
      expect(set.items.filter((i) => i.i === 'out_of_scope').length).toBeGreaterThanOrEqual(10);
    }
  });

  it('the held-out set shares no utterance with the training examples nor the dev set', () => {
    // The dev set may: it was used for tuning (some of its one-word answers became training phrases).
    const training = new Set(TRAINING_EXAMPLES.map((e) => fold(e.text)));
    const held = heldout.items.map((i) => fold(i.t));
    expect(held.filter((t) => training.has(t))).toEqual([]);
    expect(dev.items.map((i) => fold(i.t)).filter((t) => held.includes(t))).toEqual([]);
  });

  it('resolve annotated days against the reference Monday', () => {
    expect(expectedDate('+1')).toBe('2026-12-01');
    expect(expectedDate('fri')).toBe('2026-12-04');
    expect(expectedDate('mon')).toBe('2026-11-30');
    expect(expectedDate('sun')).toBe('2026-12-06');
  });
});
