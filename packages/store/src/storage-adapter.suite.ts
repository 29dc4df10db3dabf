import { describe, expect, it } from 'vitest';
import type { StorageAdapter } from './storage-adapter.ts';

/**
 * The acceptance suite every StorageAdapter passes (the in-memory one and the SQLite one), in the
 * manner of automerge-repo's `runStorageAdapterTests`.
 */
export function runStorageAdapterTests(
  name: string,
  setup: () => { adapter: StorageAdapter; teardown?: () => void },
) {
  const bytes = (...values: number[]) => new Uint8Array(values);

  describe(`StorageAdapter: ${name}`, () => {
    function withAdapter(fn: (adapter: StorageAdapter) => void) {
      const { adapter, teardown } = setup();
      try {
        fn(adapter);
      } finally {
        teardown?.();
      }
    }

    it('returns undefined for a key never saved', () =>
      withAdapter((a) => {
        expect(a.load(['doc', 'snapshot', 'x'])).toBeUndefined();
      }));

    it('loads what it saved, byte for byte, and overwrites on save', () =>
      withAdapter((a) => {
        a.save(['doc', 'snapshot', 'h1'], bytes(1, 2, 3));
        expect([...(a.load(['doc', 'snapshot', 'h1']) ?? [])]).toEqual([1, 2, 3]);
        a.save(['doc', 'snapshot', 'h1'], bytes(9));
        expect([...(a.load(['doc', 'snapshot', 'h1']) ?? [])]).toEqual([9]);
      }));

    it('loadRange returns every chunk under a prefix, and only those', () =>
      withAdapter((a) => {
        a.save(['member:A', 'incremental', 'c1'], bytes(1));
        a.save(['member:A', 'incremental', 'c2'], bytes(2));
        a.save(['member:A', 'snapshot', 's1'], bytes(3));
        a.save(['member:AB', 'incremental', 'c3'], bytes(4));
        const all = a.loadRange(['member:A']);
        expect(all.map((c) => c.key.join('/')).sort()).toEqual([
          'member:A/incremental/c1',
          'member:A/incremental/c2',
          'member:A/snapshot/s1',
        ]);
        expect(a.loadRange(['member:A', 'incremental']).map((c) => [...c.data])).toEqual([[1], [2]]);
        expect(a.loadRange(['member:Z'])).toEqual([]);
      }));

    it('remove and removeRange delete exactly what they name', () =>
      withAdapter((a) => {
        a.save(['d', 'incremental', 'c1'], bytes(1));
        a.save(['d', 'incremental', 'c2'], bytes(2));
        a.save(['d', 'snapshot', 's'], bytes(3));
        a.save(['e', 'incremental', 'c1'], bytes(4));
        a.remove(['d', 'incremental', 'c1']);
        a.remove(['d', 'incremental', 'missing']);
        expect(a.loadRange(['d', 'incremental']).map((c) => c.key[2])).toEqual(['c2']);
        a.removeRange(['d']);
        expect(a.loadRange(['d'])).toEqual([]);
        expect(a.load(['e', 'incremental', 'c1'])).toBeDefined();
      }));

    it('rolls back every write of a transaction that throws', () =>
      withAdapter((a) => {
        a.save(['d', 'snapshot', 's'], bytes(1));
        expect(() =>
          a.transaction(() => {
            a.save(['d', 'incremental', 'c1'], bytes(2));
            a.remove(['d', 'snapshot', 's']);
            throw new Error('boom');
          }),
        ).toThrow('boom');
        expect(a.load(['d', 'incremental', 'c1'])).toBeUndefined();
        expect([...(a.load(['d', 'snapshot', 's']) ?? [])]).toEqual([1]);
        a.transaction(() => a.save(['d', 'incremental', 'c1'], bytes(2)));
        expect(a.load(['d', 'incremental', 'c1'])).toBeDefined();
      }));

    it('refuses empty keys and key parts with a slash', () =>
      withAdapter((a) => {
        expect(() => a.save([], bytes(1))).toThrow(/at least one part/);
        expect(() => a.save(['a/b'], bytes(1))).toThrow(/contain no '\/'/);
        expect(() => a.load(['a', ''])).toThrow(/non-empty/);
      }));

    it('keeps data it returned unaffected by later writes to the caller copy', () =>
      withAdapter((a) => {
        const data = bytes(5, 6);
        a.save(['k'], data);
        data[0] = 99;
        expect([...(a.load(['k']) ?? [])]).toEqual([5, 6]);
      }));
  });
}
