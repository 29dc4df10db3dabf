import { randomBytes } from 'node:crypto';
import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { sealChanges, sealedByHq } from './index.ts';

describe("HQ's seals of its changes", () => {
  let doc = A.from<Record<string, unknown>>({ price: 1 });
  const changes = [A.getLastLocalChange(doc) as Uint8Array];
  doc = A.change(doc, (d) => {
    d.price = 2;
  });
  changes.push(A.getLastLocalChange(doc) as Uint8Array);
  const bytes = Buffer.concat(changes);
  const key = randomBytes(32);

  it("vouches for exactly the changes HQ sealed, with HQ's key", () => {
    const seals = sealChanges(key, bytes) as string[];
    expect(seals).toHaveLength(2);
    expect(sealedByHq(key, bytes, seals)).toBe(true);
    // Another key (a unit forging seals), a seal moved to another change, a missing seal: refused.
    expect(sealedByHq(randomBytes(32), bytes, seals)).toBe(false);
    expect(sealedByHq(key, bytes, [seals[1] as string, seals[0] as string])).toBe(false);
    expect(sealedByHq(key, bytes, seals.slice(0, 1))).toBe(false);
    // A change of the unit's own, slipped in beside HQ's sealed ones.
    const own = A.change(A.clone(doc), (d) => {
      d.price = 0;
    });
    const mixed = Buffer.concat([...changes, A.getLastLocalChange(own) as Uint8Array]);
    expect(sealedByHq(key, mixed, [...seals, seals[0] as string])).toBe(false);
    expect(sealedByHq(key, Buffer.from('not automerge'), seals)).toBe(false);
  });
});
