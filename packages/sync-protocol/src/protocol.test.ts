import { describe, expect, it } from 'vitest';
import {
  decode,
  encode,
  hqSubscriptions,
  mayPublish,
  maySubscribe,
  mosquittoAcl,
  packetsFor,
  parseTopic,
  Reassembler,
  TOPIC_KINDS,
  TOPICS,
  topicFor,
} from './index.ts';

const hash = 'a'.repeat(64);
const batch = {
  v: 1 as const,
  batchId: 'sp-paulista:1-2:abc',
  from: 'sp-paulista',
  seqFrom: 1,
  seqTo: 2,
  sentAt: '2026-12-01T10:00:00.000Z',
  changes: [{ docId: 'member:01JABCDEFGHJKMNPQRSTVWXYZ', hash: [hash], deps: [], bytes: 'AAEC', seq: 1 }],
};

describe('topic map', () => {
  it('builds and parses every topic back to its kind and unit', () => {
    for (const kind of TOPIC_KINDS) {
      const topic = topicFor(kind, 'sp-paulista');
      expect(parseTopic(topic)?.kind).toBe(kind);
      expect(topic.startsWith('gymedge/v1/')).toBe(true);
    }
    expect(parseTopic('gymedge/v1/unit/hq/changes')).toBeUndefined();
    expect(parseTopic('gymedge/v2/unit/sp/changes')).toBeUndefined();
    expect(parseTopic('gymedge/v1/unit/sp/whatever')).toBeUndefined();
    expect(parseTopic('gymedge/v1/unit/+/changes')).toBeUndefined();
  });

  it('refuses garbage, truncated and oversized payloads without throwing', () => {
    const good = encode('unitChanges', batch);
    expect(decode('unitChanges', good).ok).toBe(true);
    expect(decode('unitChanges', good.subarray(0, good.length - 5)).ok).toBe(false);
    expect(decode('unitChanges', Buffer.from([0xff, 0x00, 0x13]))).toMatchObject({ ok: false });
    expect(decode('unitChanges', JSON.stringify({ ...batch, extra: 1 })).ok).toBe(false);
    expect(decode('unitChanges', 'x'.repeat(9 * 1024 * 1024))).toMatchObject({ ok: false });
    expect(decode('hqAcks', good).ok).toBe(false);
  });

  it('lets a unit publish only its own uplink and read only its own downlink', () => {
    const a = { role: 'unit', unitId: 'sp-paulista' } as const;
    expect(mayPublish(a, 'gymedge/v1/unit/sp-paulista/changes')).toBe(true);
    expect(mayPublish(a, 'gymedge/v1/unit/rj-copacabana/changes')).toBe(false);
    expect(mayPublish(a, 'gymedge/v1/hq/sp-paulista/acks')).toBe(false);
    expect(mayPublish(a, 'gymedge/v1/hq/state')).toBe(false);
    expect(maySubscribe(a, 'gymedge/v1/hq/sp-paulista/#')).toBe(true);
    expect(maySubscribe(a, 'gymedge/v1/hq/state')).toBe(true);
    expect(maySubscribe(a, 'gymedge/v1/hq/rj-copacabana/#')).toBe(false);
    expect(maySubscribe(a, 'gymedge/v1/unit/rj-copacabana/changes')).toBe(false);
    expect(maySubscribe(a, 'gymedge/v1/#')).toBe(false);
    expect(maySubscribe(a, '#')).toBe(false);
    const hq = { role: 'hq' } as const;
    for (const filter of hqSubscriptions('relay')) expect(maySubscribe(hq, filter)).toBe(true);
    expect(mayPublish(hq, 'gymedge/v1/hq/sp-paulista/changes')).toBe(true);
    expect(mayPublish(hq, 'gymedge/v1/unit/sp-paulista/changes')).toBe(false);
    expect(mosquittoAcl()).toContain('pattern write gymedge/v1/unit/%u/changes');
  });

  it('splits a payload above the packet limit and joins it back', () => {
    const big = {
      ...batch,
      changes: Array.from({ length: 200 }, () => ({ ...batch.changes[0]!, bytes: 'QUJD'.repeat(500) })),
    };
    const packets = packetsFor('unitChanges', 'sp-paulista', big, 'chunk-test-1', 16 * 1024);
    expect(packets.length).toBeGreaterThan(5);
    const joiner = new Reassembler();
    let whole: { of: string; text: string } | undefined;
    for (const packet of [...packets].reverse()) {
      expect(packet.payload.length).toBeLessThanOrEqual(16 * 1024);
      expect(parseTopic(packet.topic)?.kind).toBe('unitChunks');
      const chunk = decode('unitChunks', packet.payload);
      if (!chunk.ok) throw new Error(chunk.reason);
      const done = joiner.add(chunk.value, 'up');
      if (done !== undefined && 'text' in done) whole = done;
    }
    expect(whole?.of).toBe('unitChanges');
    const back = decode('unitChanges', whole?.text ?? '');
    expect(back.ok && back.value.changes.length).toBe(200);
    expect(TOPICS.unitState.retain).toBe(true);
  });
});
