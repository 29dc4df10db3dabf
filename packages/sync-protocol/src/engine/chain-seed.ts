import { createHash } from 'node:crypto';
import * as A from '@automerge/automerge';
import { type DocType, REGISTRY, validateDocument } from '@gymedge/crdt-schema';
import { type DocumentStore, type Inbox, type Plain, toAutomerge } from '@gymedge/store';
import { HQ_PEER } from '../payloads.ts';

/** The time chain-wide seed documents are dated (fixed, so their first change is the same everywhere). */
export const CHAIN_SEED_AT = '2026-01-01T00:00:00.000Z';

/**
 * The first change of a chain-wide document as HQ makes it, byte for byte the same wherever it is
 * built: a fixed actor derived from the document id, a fixed time, no dependencies. A unit that seeds the
 * demo's plans offline and HQ that seeds them for the chain hold the very same change (same hash), so
 * when they meet there is nothing to merge and nothing a unit wrote to a document only HQ may write.
 */
export function chainSeedChange<T extends DocType>(
  type: T,
  id: string,
  fields: Plain,
  at = CHAIN_SEED_AT,
): Uint8Array {
  const value: Plain = {
    ...fields,
    id,
    type,
    schemaVersion: REGISTRY[type].version,
    unitId: 'chain',
    createdAt: at,
    updatedAt: at,
  };
  const checked = validateDocument(value, type);
  if (!checked.ok) throw new Error(`${type} ${id}: ${checked.reason}`);
  const actor = createHash('sha256').update(`gymedge-chain-seed|${id}`).digest('hex').slice(0, 32);
  const doc = A.init<Plain>({ actor: actor as A.ActorId });
  try {
    const backend = A.getBackend(doc);
    backend.initRootFromHydrate(toAutomerge(stripUndefined(value)) as Record<string, unknown>);
    backend.commit(null, Math.floor(Date.parse(at) / 1000));
    return backend.saveIncremental();
  } finally {
    A.free(doc);
  }
}

/**
 * Seeds chain-wide documents (the demo's plans and class types) as HQ's own changes, through the inbox:
 * at a unit they are stored as received from HQ (never shipped back), at HQ as its own. Documents that
 * exist already are left alone.
 */
export async function seedChainDocuments(
  target: { readonly store: DocumentStore; readonly inbox: Inbox },
  docs: ReadonlyArray<{ readonly type: DocType; readonly id: string; readonly fields: Plain }>,
): Promise<number> {
  let seeded = 0;
  await Promise.all(
    docs.map(async (doc) => {
      if (target.store.has(doc.id)) return;
      const outcome = await target.inbox.receive(
        doc.id,
        chainSeedChange(doc.type, doc.id, doc.fields),
        HQ_PEER,
      );
      seeded += outcome.applied;
    }),
  );
  return seeded;
}

function stripUndefined(value: Plain): Plain {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Plain;
}
