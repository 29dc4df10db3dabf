import { join } from 'node:path';
import * as A from '@automerge/automerge';
import { newDocId } from '@gymedge/crdt-schema';
import {
  type ChangeBatch,
  encode,
  PROTOCOL_VERSION,
  TOPIC_KINDS,
  TOPICS,
  topicFor,
} from '@gymedge/sync-protocol';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  ensureLinkKey,
  forkPeer,
  headsOf,
  peek,
  scratch,
  sleep,
  startAedes,
  startHq,
  startMosquitto,
  startUnit,
  system,
  type TestBroker,
  type TestHq,
  type TestUnit,
  waitFor,
} from './sync-support.ts';

const UNIT = 'sp-paulista';

for (const kind of ['aedes', 'mosquitto'] as const) {
  describe(`bad payloads on every topic (${kind})`, () => {
    const { dir, cleanup } = scratch(`sync-faults-${kind}`);
    let broker: TestBroker;
    let hq: TestHq;
    let sp: TestUnit;
    let intruder: mqtt.MqttClient | undefined;
    afterAll(async () => {
      await intruder?.endAsync();
      await closeAll(sp, hq, broker);
      cleanup();
    });

    it('duplicated, reordered, truncated, oversized and garbage payloads are refused or quarantined, never applied', {
      timeout: 60_000,
    }, async () => {
      broker = kind === 'aedes' ? await startAedes() : await startMosquitto();
      hq = await startHq(dir, broker.url);
      sp = await startUnit(dir, UNIT, broker.url, 1000);
      await waitFor('unit connected', () => sp.sync.status().connected);
      intruder = await mqtt.connectAsync(broker.url, {
        protocolVersion: 4,
        clientId: 'intruder',
        reconnectPeriod: 0,
      });
      const docsBefore = hq.hq.store.stats().documents;
      const junk = [
        Buffer.from([0xff, 0xfe, 0x00, 0x01]),
        Buffer.from('{"v":1,"batchId":"trunc'),
        Buffer.from('null'),
        Buffer.from(JSON.stringify({ v: 2, anything: true })),
        Buffer.alloc(700 * 1024, 0x41),
      ];
      for (const k of TOPIC_KINDS) {
        for (const payload of junk) await intruder.publishAsync(topicFor(k, UNIT), payload, { qos: 1 });
      }
      // Well-formed batches that lie: another sender, and change bytes that are not Automerge.
      const lie: ChangeBatch = {
        v: PROTOCOL_VERSION,
        batchId: 'intruder:1-1:aaaaaaaa',
        from: 'rj-copacabana',
        seqFrom: 1,
        seqTo: 1,
        sentAt: new Date().toISOString(),
        changes: [
          {
            docId: newDocId('member'),
            hash: [],
            deps: [],
            bytes: Buffer.from('not automerge').toString('base64'),
          },
        ],
      };
      await intruder.publishAsync(topicFor('unitChanges', UNIT), encode('unitChanges', lie), { qos: 1 });
      const garbageChange: ChangeBatch = { ...lie, batchId: 'intruder:2-2:bbbbbbbb', from: UNIT };
      await intruder.publishAsync(topicFor('unitChanges', UNIT), encode('unitChanges', garbageChange), {
        qos: 1,
      });
      // Reordered and duplicated: a real document's third change first, then all three twice.
      const id = newDocId('member');
      const now = new Date().toISOString();
      let doc = A.from<Record<string, unknown>>({
        id,
        type: 'member',
        schemaVersion: 2,
        unitId: UNIT,
        createdAt: now,
        updatedAt: now,
        status: 'active',
        consent: { marketing: false, imageAnalytics: false },
        pii: {},
      });
      const c0 = A.getLastLocalChange(doc)!;
      doc = A.change(doc, (d) => {
        d.region = 'a';
      });
      const c1 = A.getLastLocalChange(doc)!;
      doc = A.change(doc, (d) => {
        d.region = 'b';
      });
      const c2 = A.getLastLocalChange(doc)!;
      const batch = (n: number, changes: Uint8Array[]): ChangeBatch => ({
        ...garbageChange,
        batchId: `intruder:order:${n}aaaa`,
        changes: changes.map((c) => ({
          docId: id,
          hash: [],
          deps: [],
          bytes: Buffer.from(c).toString('base64'),
        })),
      });
      await intruder.publishAsync(topicFor('unitChanges', UNIT), encode('unitChanges', batch(1, [c2])), {
        qos: 1,
      });
      await intruder.publishAsync(topicFor('unitChanges', UNIT), encode('unitChanges', batch(2, [c0, c1])), {
        qos: 1,
      });
      await intruder.publishAsync(
        topicFor('unitChanges', UNIT),
        encode('unitChanges', batch(3, [c0, c1, c2])),
        { qos: 1 },
      );
      await waitFor(
        'reordered changes applied once',
        () => hq.hq.store.get<'member'>(id)?.region === 'b',
        20_000,
      );
      await hq.hq.store.flush();
      // Nothing else was applied; everything bad was counted; both ends are alive and still sync.
      expect(hq.hq.store.stats().documents).toBe(docsBefore + 1);
      const refused = hq.relay.units().find((u) => u.unitId === UNIT)?.refused ?? 0;
      expect(refused).toBeGreaterThanOrEqual(
        5 * TOPIC_KINDS.filter((k) => TOPICS[k].direction === 'up').length - 5,
      );
      const quarantined = hq.hq.db
        .prepare("SELECT count(*) AS n FROM quarantine WHERE reason LIKE 'not Automerge%'")
        .get() as { n: number };
      expect(quarantined.n).toBe(1);
      const m = await sp.unit.members.create({ name: 'Depois do Lixo' }, system);
      await waitFor('normal sync goes on', () => hq.hq.store.has(m.id), 20_000);
      expect(sp.sync.status().connected).toBe(true);
    });

    it('a unit on an older build holds a document of a newer schema in quarantine and keeps syncing', {
      timeout: 30_000,
    }, async () => {
      const id = newDocId('plan');
      const now = new Date().toISOString();
      const future = A.from<Record<string, unknown>>({
        id,
        type: 'plan',
        schemaVersion: 99,
        unitId: 'chain',
        createdAt: now,
        updatedAt: now,
        name: 'Futuro',
      });
      const change = A.getLastLocalChange(future)!;
      const downlink: ChangeBatch = {
        v: PROTOCOL_VERSION,
        batchId: 'hq:future:00000001',
        from: 'hq',
        repair: true,
        sentAt: now,
        changes: [{ docId: id, hash: [], deps: [], bytes: Buffer.from(change).toString('base64') }],
      };
      await intruder!.publishAsync(topicFor('hqChanges', UNIT), encode('hqChanges', downlink), { qos: 1 });
      await waitFor('held at the unit', () => {
        const row = sp.unit.db.prepare('SELECT reason FROM quarantine WHERE doc_id = ?').get(id) as
          | { reason: string }
          | undefined;
        return row?.reason.includes('newer than this build') === true;
      });
      expect(sp.unit.store.has(id)).toBe(false);
      const m = await sp.unit.members.create({ name: 'Ainda Sincroniza' }, system);
      await waitFor('still syncing', () => hq.hq.store.has(m.id), 20_000);
    });
  });
}

describe('a unit whose clock is hours off', () => {
  const { dir, cleanup } = scratch('sync-clock');
  let broker: TestBroker;
  afterAll(async () => {
    await broker?.close();
    cleanup();
  });

  it('syncs normally; HQ judges presence by its own clock and the unit reports a sane lag', {
    timeout: 90_000,
  }, async () => {
    broker = await startMosquitto();
    const hq = await startHq(dir, broker.url);
    ensureLinkKey('rj-copacabana');
    const unit = forkPeer(
      {
        role: 'unit',
        root: dir,
        unitId: 'rj-copacabana',
        brokerUrl: broker.url,
        docs: 20,
        edits: 200,
        concurrency: 2,
      },
      { GYMEDGE_CLOCK_OFFSET_MS: String(-5 * 3600_000) },
    );
    try {
      await unit.next('done', 60_000, true);
      const file = peek(join(dir, 'rj-copacabana', 'unit.db'));
      await waitFor(
        'converged',
        () =>
          headsOf(file, 'rj-copacabana') !== '' &&
          headsOf(hq.hq.db, 'rj-copacabana') === headsOf(file, 'rj-copacabana'),
        30_000,
      );
      file.close();
      await sleep(600);
      const status = hq.relay.units().find((u) => u.unitId === 'rj-copacabana');
      expect(status?.online).toBe(true);
      expect(Math.abs(Date.now() - Date.parse(status?.lastSeenAt ?? '0'))).toBeLessThan(10_000);
      const reported = unit.last('status')?.status as { lagSeconds: number; pendingChanges: number };
      expect(reported.lagSeconds).toBeLessThan(60);
      const doc = hq.hq.store.get(
        hq.hq.store
          .idsOfType('member')
          .find((i) => hq.hq.store.get<'member'>(i)?.unitId === 'rj-copacabana') ?? '',
      );
      expect(Date.parse(String(doc?.createdAt))).toBeLessThan(Date.now() - 4 * 3600_000);
    } finally {
      unit.child.kill('SIGTERM');
      await unit.exited;
      await hq.close();
    }
  });
});
