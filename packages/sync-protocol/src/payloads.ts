import { CheckInRecord, DOC_TYPES, UnitId } from '@gymedge/crdt-schema';
import { z } from 'zod';

/** The protocol version carried in every payload (`v`) and in every topic (`gymedge/v1/...`). */
export const PROTOCOL_VERSION = 1;

/** The MQTT identity of the HQ relay (never a unit id: enrolment refuses a unit called `hq`). */
export const HQ_PEER = 'hq';

/** A peer of the sync: a unit id, or `hq`. */
export const PeerId = z.union([UnitId, z.literal(HQ_PEER)]);
export type PeerId = z.infer<typeof PeerId>;

const Instant = z.iso.datetime({ offset: false });
/** An Automerge change hash: 64 lower-case hex digits. */
export const ChangeHash = z.string().regex(/^[0-9a-f]{64}$/, 'a change hash is 64 hex digits');
/** A batch or request id: short, stable, unique per sender (used for idempotency and acks). */
export const BatchId = z.string().regex(/^[0-9A-Za-z:_.-]{8,120}$/, 'a batch id is a short stable key');
/** A document id as `@gymedge/crdt-schema` makes them (`member:01J...`), checked again by the inbox. */
export const DocId = z.string().regex(/^[a-zA-Z]+:[0-9A-Za-z]{10,40}$/, 'not a document id');
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/**
 * One change (or a few, when `hash` is the last of a run) of one document: the `saveIncremental`
 * bytes from the sender's `change_log`, with the hash and dependencies of the change so the receiver
 * can buffer it until its dependencies have arrived.
 */
export const ChangeItem = z.strictObject({
  docId: DocId,
  /** The heads after this change (usually one hash: the change itself). */
  hash: z.array(ChangeHash).max(64),
  /** The heads before this change (its dependencies). */
  deps: z.array(ChangeHash).max(64),
  /** Base64 of Automerge change bytes. */
  bytes: Base64.max(6_000_000),
  /** The sender's change-log position (absent for repair sends). */
  seq: z.number().int().positive().optional(),
  /**
   * HQ's seal of each change in `bytes`, in order (`sealOf` in engine/seals.ts): sent down with HQ's
   * changes, offered back by a unit in repair after HQ restored an old backup.
   */
  seals: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'a seal is 22 base64url characters'))
    .max(10_000)
    .optional(),
});
export type ChangeItem = z.infer<typeof ChangeItem>;

/**
 * A member's key wrapped (AES-256-GCM) with the link secret of the receiving peer, so that it is
 * never readable on the wire or in the broker's persistence; the receiver unwraps it into its own
 * `member_keys`. Erasure travels as the member document's `status: erased` change: every replica
 * that applies it destroys its copy of the key in the same transaction.
 */
export const WrappedKey = z.strictObject({
  memberId: DocId,
  wrapped: Base64.max(200),
});
export type WrappedKey = z.infer<typeof WrappedKey>;

/** Changes from one peer to another, acknowledged as a whole by `batchId` after a durable commit. */
export const ChangeBatch = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  batchId: BatchId,
  from: PeerId,
  /**
   * The range of the sender's change log this batch covers, `(seqFrom - 1, seqTo]` (rows of that range
   * not meant for this peer are simply not in it); absent for repair sends.
   */
  seqFrom: z.number().int().positive().optional(),
  seqTo: z.number().int().positive().optional(),
  /** Sent to heal a difference found by comparing heads, not from the log's order. */
  repair: z.boolean().optional(),
  sentAt: Instant,
  changes: z.array(ChangeItem).min(1).max(10_000),
  keys: z.array(WrappedKey).max(10_000).optional(),
});
export type ChangeBatch = z.infer<typeof ChangeBatch>;

/** A vision or system event row (`events` table). */
export const EventRecord = z.strictObject({
  id: z.string().regex(/^[0-9A-Za-z:_.-]{6,120}$/),
  kind: z.string().regex(/^[a-z0-9_.-]{1,60}$/),
  at: Instant,
  payload: z.string().max(16_000),
});
export type EventRecord = z.infer<typeof EventRecord>;

/** An occupancy sample row (`occupancy_samples` table). */
export const OccupancyRecord = z.strictObject({
  id: z.string().regex(/^[0-9A-Za-z:_.-]{6,120}$/),
  zoneId: DocId,
  at: Instant,
  people: z.number().int().min(0).max(100_000),
});
export type OccupancyRecord = z.infer<typeof OccupancyRecord>;

export const RECORD_KINDS = ['checkin', 'event', 'occupancy'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Append-only rows in an idempotent batch: the receiver stores each id once (INSERT OR IGNORE). */
export const RecordBatch = z.discriminatedUnion('kind', [
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    batchId: BatchId,
    from: UnitId,
    sentAt: Instant,
    kind: z.literal('checkin'),
    records: z.array(CheckInRecord).min(1).max(5000),
  }),
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    batchId: BatchId,
    from: UnitId,
    sentAt: Instant,
    kind: z.literal('event'),
    records: z.array(EventRecord).min(1).max(5000),
  }),
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    batchId: BatchId,
    from: UnitId,
    sentAt: Instant,
    kind: z.literal('occupancy'),
    records: z.array(OccupancyRecord).min(1).max(5000),
  }),
]);
export type RecordBatch = z.infer<typeof RecordBatch>;

/**
 * "Your batch is durable here": sent only after the receiver's own commit (applied, buffered until
 * its dependencies arrive, or quarantined: all three are kept). The sender may then prune its log up
 * to `seqTo` and never sends the batch again.
 */
export const Ack = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  batchId: BatchId,
  /** What was acknowledged: a change batch or a record batch. */
  of: z.enum(['changes', 'records']),
  /** The log range the batch covered, `(seqFrom - 1, seqTo]`: any ack of a range moves the sender on. */
  seqFrom: z.number().int().positive().optional(),
  seqTo: z.number().int().positive().optional(),
  applied: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  buffered: z.number().int().min(0),
  quarantined: z.number().int().min(0),
  /** Of `applied`: changes refused (scope, schema) and undone by a repair change at the receiver. */
  reverted: z.number().int().min(0).optional(),
  at: Instant,
});
export type Ack = z.infer<typeof Ack>;

/** Heads of one document as a peer holds it (empty: the peer does not have it). */
export const DocHeads = z.strictObject({ docId: DocId, heads: z.array(ChangeHash).max(64) });
export type DocHeads = z.infer<typeof DocHeads>;

/** Which documents a repair compares: the unit's own, or the chain-wide ones. */
export const RepairScope = z.enum(['unit', 'chain']);
export type RepairScope = z.infer<typeof RepairScope>;

/**
 * Heads for repair, unit → HQ. Without `docs`: a digest of every document in the scope (sha256 of
 * sorted `docId heads` lines), sent when the unit's outbox is empty; HQ compares it with its own.
 * With `docs`: the unit's heads of documents where it lacks something HQ has (HQ then sends them).
 */
export const HeadsReport = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  requestId: BatchId,
  scope: RepairScope,
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  count: z.number().int().min(0),
  docs: z.array(DocHeads).max(50_000).optional(),
  at: Instant,
});
export type HeadsReport = z.infer<typeof HeadsReport>;

/**
 * Repair request, HQ → unit: HQ's heads for the documents of a scope. The unit sends (as a repair
 * change batch) every change HQ lacks, and reports back (HeadsReport with `docs`) the documents where
 * HQ has changes it lacks. After an HQ restored from an old backup, this heals HQ without an operator.
 */
export const RepairRequest = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  requestId: BatchId,
  scope: RepairScope,
  reason: z.enum(['digest_mismatch', 'gap', 'restore', 'operator']),
  docs: z.array(DocHeads).max(50_000),
  /** Part `index` of `count`: a scope's heads may span several requests. */
  part: z.strictObject({ index: z.number().int().min(0), count: z.number().int().min(1).max(10_000) }),
  at: Instant,
});
export type RepairRequest = z.infer<typeof RepairRequest>;

/** Every document type and the schema version a peer understands (a unit on an older build says so). */
export const SchemaVersions = z.partialRecord(z.enum(DOC_TYPES), z.number().int().min(1));

/** A unit's presence, retained; the broker publishes the `offline` form as the unit's last will. */
export const UnitState = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  unitId: UnitId,
  state: z.enum(['online', 'offline']),
  at: Instant,
  version: z.string().max(40).optional(),
  schema: SchemaVersions.optional(),
  /** Changes made at the unit that HQ has not acknowledged yet, and how old the oldest is (s). */
  pendingChanges: z.number().int().min(0).optional(),
  lagSeconds: z.number().min(0).optional(),
});
export type UnitState = z.infer<typeof UnitState>;

/** HQ's presence, retained, with its last will `offline`. */
export const HqState = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  state: z.enum(['online', 'offline']),
  at: Instant,
});
export type HqState = z.infer<typeof HqState>;

/**
 * A piece of a payload too big for one MQTT packet. `data` is a slice of the JSON text of the whole
 * payload of topic kind `of`; the receiver joins the `count` pieces of `id` and parses them as that kind.
 */
export const Chunk = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  id: BatchId,
  of: z.enum(['unitChanges', 'unitRecords', 'unitHeads', 'hqChanges', 'hqRepair']),
  index: z.number().int().min(0),
  count: z.number().int().min(2).max(10_000),
  data: z.string().max(1_000_000),
});
export type Chunk = z.infer<typeof Chunk>;
