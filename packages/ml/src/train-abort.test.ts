import { describe, expect, it } from 'vitest';
import { runStepsAsync } from './train.ts';

describe('an asynchronous training run stops when it is asked to', () => {
  it('ends between two steps once the signal is aborted, instead of running to the end', async () => {
    let steps = 0;
    function* endless(): Generator<void, number, undefined> {
      for (;;) {
        steps++;
        yield;
      }
    }
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the unit is stopping')), 20);
    await expect(runStepsAsync(endless(), controller.signal)).rejects.toThrow('the unit is stopping');
    const seen = steps;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toBeGreaterThan(0);
    expect(steps).toBe(seen);
  });

  it('runs to the end without a signal', async () => {
    function* three(): Generator<void, string, undefined> {
      yield;
      yield;
      yield;
      return 'done';
    }
    await expect(runStepsAsync(three())).resolves.toBe('done');
  });
});
