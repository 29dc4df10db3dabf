import { type Chunk, PROTOCOL_VERSION } from './payloads.ts';
import { encode, type PayloadOf, TOPICS, topicFor } from './topics.ts';

type Chunkable = Chunk['of'];
const CHUNK_TOPIC: Record<Chunkable, 'unitChunks' | 'hqChunks'> = {
  unitChanges: 'unitChunks',
  unitRecords: 'unitChunks',
  unitHeads: 'unitChunks',
  hqChanges: 'hqChunks',
  hqRepair: 'hqChunks',
};

/** One MQTT publish: topic and bytes. */
export interface Outgoing {
  readonly topic: string;
  readonly payload: Buffer;
}

/**
 * The packets that carry one payload: the payload itself if it fits in `maxBytes`, else `Chunk`s on the
 * sender's chunk topic (each under `maxBytes`), which the receiver's `Reassembler` joins back.
 */
export function packetsFor<K extends Chunkable>(
  kind: K,
  unit: string,
  value: PayloadOf<K>,
  id: string,
  maxBytes: number,
): Outgoing[] {
  const whole = encode(kind, value);
  if (whole.length <= maxBytes) return [{ topic: topicFor(kind, unit), payload: whole }];
  const text = whole.toString('utf8');
  // Room for the chunk's own JSON envelope; slices are cut by characters, so keep to ASCII-safe sizes.
  const slice = Math.max(1024, Math.floor((maxBytes - 400) / 2));
  const count = Math.ceil(text.length / slice);
  const out: Outgoing[] = [];
  for (let index = 0; index < count; index++) {
    const chunk: Chunk = {
      v: PROTOCOL_VERSION,
      id,
      of: kind,
      index,
      count,
      data: text.slice(index * slice, (index + 1) * slice),
    };
    const topic: 'unitChunks' | 'hqChunks' = CHUNK_TOPIC[kind as Chunkable];
    out.push({ topic: topicFor(topic, unit), payload: encode(topic, chunk) });
  }
  return out;
}

/**
 * Joins chunks back into payloads. Bounded: at most `maxOpen` payloads in progress and `maxBytes` held;
 * a payload whose pieces stop arriving is dropped after `ttlMs` (the sender resends the whole batch,
 * since it was never acknowledged). A chunk claiming a kind its topic may not carry is refused.
 */
export class Reassembler {
  readonly #open = new Map<
    string,
    { of: Chunkable; parts: (string | undefined)[]; got: number; bytes: number; since: number }
  >();
  readonly #maxOpen: number;
  readonly #maxBytes: number;
  readonly #ttlMs: number;
  #held = 0;

  constructor(options: { maxOpen?: number; maxBytes?: number; ttlMs?: number } = {}) {
    this.#maxOpen = options.maxOpen ?? 64;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#ttlMs = options.ttlMs ?? 120_000;
  }

  /** Adds a piece: the whole payload's kind and text once every piece is in, else undefined. */
  add(
    chunk: Chunk,
    direction: 'up' | 'down',
    now = Date.now(),
  ): { of: Chunkable; text: string } | { refused: string } | undefined {
    if (TOPICS[chunk.of].direction !== direction)
      return { refused: `a ${direction}link chunk cannot carry ${chunk.of}` };
    if (chunk.index >= chunk.count) return { refused: 'chunk index out of range' };
    this.#expire(now);
    let entry = this.#open.get(chunk.id);
    if (entry === undefined) {
      if (this.#open.size >= this.#maxOpen) return { refused: 'too many chunked payloads in progress' };
      entry = { of: chunk.of, parts: new Array(chunk.count).fill(undefined), got: 0, bytes: 0, since: now };
      this.#open.set(chunk.id, entry);
    }
    if (entry.parts.length !== chunk.count || entry.of !== chunk.of)
      return { refused: 'chunk does not match its payload' };
    if (entry.parts[chunk.index] !== undefined) return undefined;
    if (this.#held + chunk.data.length > this.#maxBytes) return { refused: 'chunk buffer full' };
    entry.parts[chunk.index] = chunk.data;
    entry.got++;
    entry.bytes += chunk.data.length;
    this.#held += chunk.data.length;
    if (entry.got < entry.parts.length) return undefined;
    this.#open.delete(chunk.id);
    this.#held -= entry.bytes;
    return { of: entry.of, text: entry.parts.join('') };
  }

  #expire(now: number): void {
    for (const [id, entry] of this.#open) {
      if (now - entry.since <= this.#ttlMs) continue;
      this.#open.delete(id);
      this.#held -= entry.bytes;
    }
  }
}
