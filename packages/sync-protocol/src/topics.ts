import type { z } from 'zod';
import {
  Ack,
  ChangeBatch,
  Chunk,
  HeadsReport,
  HQ_PEER,
  HqState,
  RecordBatch,
  RepairRequest,
  UnitState,
} from './payloads.ts';

export const TOPIC_ROOT = 'gymedge/v1';

/** Who publishes a topic: a unit (uplink, `gymedge/v1/unit/<unit>/...`) or HQ (downlink). */
export type Direction = 'up' | 'down';

export interface TopicSpec<S extends z.ZodType = z.ZodType> {
  /** The topic with `{unit}` where the unit id goes. */
  readonly pattern: string;
  readonly direction: Direction;
  readonly payload: S;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  /** What the topic carries, for docs and logs. */
  readonly about: string;
}

function topic<S extends z.ZodType>(
  pattern: string,
  direction: Direction,
  payload: S,
  about: string,
  retain = false,
): TopicSpec<S> {
  return { pattern, direction, payload, qos: 1, retain, about };
}

/**
 * THE map of every MQTT topic of GymEdge sync and its payload type. Units and HQ build, parse,
 * validate and authorise topics only through it (and the ACLs of Aedes and Mosquitto are derived
 * from it, see `acl.ts`). Everything is QoS 1 on persistent sessions; only the two `state` topics
 * are retained (and are the last wills).
 */
export const TOPICS = {
  /** Unit → HQ: change batches from the unit's `change_log`; HQ acks on `hqAcks`. */
  unitChanges: topic(`${TOPIC_ROOT}/unit/{unit}/changes`, 'up', ChangeBatch, 'change batches'),
  /** Unit → HQ: check-ins, events and occupancy samples in idempotent batches. */
  unitRecords: topic(`${TOPIC_ROOT}/unit/{unit}/records`, 'up', RecordBatch, 'append-only records'),
  /** Unit → HQ: heads digests (and lists) for repair. */
  unitHeads: topic(`${TOPIC_ROOT}/unit/{unit}/heads`, 'up', HeadsReport, 'heads for repair'),
  /** Unit → HQ: the unit's acknowledgements of HQ's downlink change batches. */
  unitAcks: topic(`${TOPIC_ROOT}/unit/{unit}/acks`, 'up', Ack, 'acks of downlink batches'),
  /** Unit → HQ: pieces of an uplink payload above the broker's packet limit. */
  unitChunks: topic(`${TOPIC_ROOT}/unit/{unit}/chunks`, 'up', Chunk, 'chunks of a large payload'),
  /** Unit presence, retained; `offline` is the unit's last will. */
  unitState: topic(`${TOPIC_ROOT}/unit/{unit}/state`, 'up', UnitState, 'online/offline', true),
  /** HQ → unit: acknowledgements of the unit's change and record batches, after HQ's durable commit. */
  hqAcks: topic(`${TOPIC_ROOT}/hq/{unit}/acks`, 'down', Ack, 'acks of uplink batches'),
  /**
   * HQ → unit: chain-wide changes (plans, class types, staff, the member directory), HQ's own edits
   * of the unit's documents (an erasure made at HQ) and repair sends; the unit acks on `unitAcks`.
   */
  hqChanges: topic(`${TOPIC_ROOT}/hq/{unit}/changes`, 'down', ChangeBatch, 'chain-wide changes'),
  /** HQ → unit: repair requests carrying HQ's heads. */
  hqRepair: topic(`${TOPIC_ROOT}/hq/{unit}/repair`, 'down', RepairRequest, 'repair requests'),
  /** HQ → unit: pieces of a downlink payload above the broker's packet limit. */
  hqChunks: topic(`${TOPIC_ROOT}/hq/{unit}/chunks`, 'down', Chunk, 'chunks of a large payload'),
  /** HQ presence, retained; `offline` is HQ's last will. */
  hqState: topic(`${TOPIC_ROOT}/hq/state`, 'down', HqState, 'HQ online/offline', true),
} as const;

export type TopicKind = keyof typeof TOPICS;
export type PayloadOf<K extends TopicKind> = z.infer<(typeof TOPICS)[K]['payload']>;
export const TOPIC_KINDS = Object.keys(TOPICS) as TopicKind[];

/** The topic of `kind` for `unit` (ignored for `hqState`). */
export function topicFor(kind: TopicKind, unit: string): string {
  return TOPICS[kind].pattern.replace('{unit}', unit);
}

/** A topic of the map, split into its kind and unit; undefined for anything else. */
export function parseTopic(topic: string): { kind: TopicKind; unit: string | undefined } | undefined {
  if (topic === TOPICS.hqState.pattern) return { kind: 'hqState', unit: undefined };
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return undefined;
  const [, , side, unit, leaf] = parts;
  if (unit === undefined || unit === HQ_PEER || !/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(unit))
    return undefined;
  for (const kind of TOPIC_KINDS) {
    const pattern = TOPICS[kind].pattern.split('/');
    if (pattern[2] === side && pattern[4] === leaf && pattern[3] === '{unit}') return { kind, unit };
  }
  return undefined;
}

/** Topic filters a HQ relay subscribes to (every unit's uplink); `share` puts them in a shared group. */
export function hqSubscriptions(share?: string): string[] {
  const filters = TOPIC_KINDS.filter((k) => TOPICS[k].direction === 'up').map((k) =>
    TOPICS[k].pattern.replace('{unit}', '+'),
  );
  return share === undefined ? filters : filters.map((f) => `$share/${share}/${f}`);
}

/** Topic filters a unit subscribes to: its own downlink and HQ's presence. */
export function unitSubscriptions(unit: string): string[] {
  return [`${TOPIC_ROOT}/hq/${unit}/#`, TOPICS.hqState.pattern];
}

export type DecodeResult<K extends TopicKind> =
  | { ok: true; value: PayloadOf<K> }
  | { ok: false; reason: string };

/** Largest payload any topic accepts before parsing (bigger ones are refused unread). */
export const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

/** Parses and validates a payload of `kind`: never throws, says why it refused. */
export function decode<K extends TopicKind>(kind: K, payload: Uint8Array | string): DecodeResult<K> {
  const size = typeof payload === 'string' ? payload.length : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES) return { ok: false, reason: `payload of ${size} bytes is too large` };
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const parsed = TOPICS[kind].payload.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `invalid ${kind}: ${issue === undefined ? 'unknown' : `${issue.path.join('.') || '(payload)'}: ${issue.message}`}`,
    };
  }
  return { ok: true, value: parsed.data as PayloadOf<K> };
}

/** Serialises a payload of `kind` (validated first, so a peer never sends what the other refuses). */
export function encode<K extends TopicKind>(kind: K, value: PayloadOf<K>): Buffer {
  const parsed = TOPICS[kind].payload.parse(value);
  return Buffer.from(JSON.stringify(parsed), 'utf8');
}
