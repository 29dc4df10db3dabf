import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, TOPICS, topicFor } from '@gymedge/sync-protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityRegistry } from '../src/broker/identities.ts';
import { enrolUnit, readCredentialsFile, writeCredentialsFile } from '../src/enrolment.ts';
import {
  AEDES,
  type BrokerKind,
  collect,
  connectClient,
  hasMosquitto,
  MOSQUITTO,
  type RunningBroker,
  sleep,
} from './support/brokers.ts';

const SP = 'sp-paulista';

/** The QoS a broker granted a subscription, 128 when it refused it. */
async function grantedQos(client: MqttClient, filter: string): Promise<number> {
  try {
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    return granted[0]?.qos ?? 128;
  } catch {
    return 128;
  }
}
const RJ = 'rj-copacabana';

function state(unitId: string): Buffer {
  return encode('unitState', { v: 1, unitId, state: 'online', at: new Date().toISOString() });
}

/**
 * The same acceptance suite on both brokers: unit B's credentials can neither read A's topics nor
 * publish as A, and a client without credentials (or with a wrong password) is refused.
 */
function aclSuite(kind: BrokerKind) {
  describe(`link security on ${kind.name}`, () => {
    let dir: string;
    let registry: IdentityRegistry;
    let broker: RunningBroker;
    let hqPassword: string;
    const spFile = () => join(dir, SP, 'sync.json');
    const rjFile = () => join(dir, RJ, 'sync.json');
    const open: MqttClient[] = [];
    const connect = async (url: string, options: Parameters<typeof connectClient>[1]) => {
      const client = await connectClient(url, options);
      open.push(client);
      return client;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `gymedge-acl-${kind.name}-`));
      registry = IdentityRegistry.open(join(dir, 'hq', 'broker-identities.db'));
      hqPassword = (await registry.issue({ role: 'hq' })).password;
      // Enrol before the broker starts: Mosquitto reads its password file at start-up.
      for (const [unitId, file] of [
        [SP, spFile()],
        [RJ, rjFile()],
      ] as const) {
        writeCredentialsFile(file, await enrolUnit(registry, unitId, { brokerUrl: 'mqtt://127.0.0.1:1' }));
      }
      broker = await kind.start(registry, dir);
    });

    afterAll(async () => {
      for (const client of open) client.end(true);
      await broker?.stop();
      registry?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes each unit a credentials file only its owner can read, with a password HQ keeps only hashed', () => {
      const sp = readCredentialsFile(spFile());
      expect(statSync(spFile()).mode & 0o777).toBe(0o600);
      expect(sp.username).toBe(SP);
      expect(sp.password.length).toBeGreaterThanOrEqual(32);
      const stored = registry.get(SP);
      expect(stored?.passwordHash).toMatch(/^\$7\$/);
      expect(stored?.passwordHash).not.toContain(sp.password);
      expect(registry.mosquittoPasswordFile()).not.toContain(sp.password);
      expect(readCredentialsFile(rjFile()).password).not.toBe(sp.password);
      // HQ's side of the secrets: a folder and a file only HQ's user can read.
      expect(statSync(join(dir, 'hq')).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'hq', 'broker-identities.db')).mode & 0o777).toBe(0o600);
    });

    it("refuses unit B's credentials subscribing to A's topics, and delivers B nothing of A's", async () => {
      const rj = readCredentialsFile(rjFile());
      const b = await connect(broker.url, { username: rj.username, password: rj.password, clientId: RJ });
      const seenByB = collect(b);
      const forbidden = [
        topicFor('hqAcks', SP),
        topicFor('hqChanges', SP),
        `gymedge/v1/hq/${SP}/#`,
        topicFor('unitChanges', SP),
        'gymedge/v1/unit/+/changes',
        'gymedge/v1/#',
        '#',
      ];
      const granted = await Promise.all(forbidden.map((filter) => grantedQos(b, filter)));
      // Aedes refuses the subscription (0x80); Mosquitto grants it to MQTT 3.1.1 clients but never
      // delivers a message its read ACL forbids, which the last assertion below checks.
      if (kind.name === 'aedes') expect(granted).toEqual(forbidden.map(() => 128));
      // Its own downlink is fine.
      expect(await grantedQos(b, `gymedge/v1/hq/${RJ}/#`)).toBe(1);

      // HQ writes to A's downlink and A's uplink traffic flows: A gets its message, B sees nothing.
      const sp = readCredentialsFile(spFile());
      const a = await connect(broker.url, { username: sp.username, password: sp.password, clientId: SP });
      const seenByA = collect(a);
      await a.subscribeAsync(`gymedge/v1/hq/${SP}/#`, { qos: 1 });
      const hq = await connect(broker.url, { username: 'hq', password: hqPassword, clientId: 'hq' });
      await hq.publishAsync(topicFor('hqAcks', SP), 'for sp only', { qos: 1 });
      await a.publishAsync(topicFor('unitState', SP), state(SP), { qos: 1 });
      await sleep(300);
      expect(seenByA.map((m) => m.payload)).toEqual(['for sp only']);
      expect(seenByB).toEqual([]);
    });

    it("drops unit B publishing as A: HQ never receives it, while A's own publish arrives", async () => {
      const hq = await connect(broker.url, { username: 'hq', password: hqPassword, clientId: 'hq.reader' });
      const seenByHq = collect(hq);
      const granted = await hq.subscribeAsync('gymedge/v1/unit/+/#', { qos: 1 });
      expect(granted[0]?.qos).toBe(1);

      const rj = readCredentialsFile(rjFile());
      const b = await connect(broker.url, {
        username: rj.username,
        password: rj.password,
        clientId: `${RJ}.impostor`,
      });
      // Aedes closes the connection of a refused publish; Mosquitto acknowledges and drops it.
      await Promise.race([
        b.publishAsync(topicFor('unitChanges', SP), 'forged by rj', { qos: 1 }).catch(() => undefined),
        sleep(1000),
      ]);
      await Promise.race([
        b.publishAsync(TOPICS.hqState.pattern, 'rj pretending to be HQ', { qos: 1 }).catch(() => undefined),
        sleep(1000),
      ]);
      const sp = readCredentialsFile(spFile());
      const a = await connect(broker.url, {
        username: sp.username,
        password: sp.password,
        clientId: `${SP}.2`,
      });
      await a.publishAsync(topicFor('unitRecords', SP), 'genuine from sp', { qos: 1 });
      await sleep(300);
      expect(seenByHq.map((m) => m.payload)).toEqual(['genuine from sp']);
      expect(seenByHq[0]?.topic).toBe(topicFor('unitRecords', SP));
    });

    it('refuses a client without credentials, with a wrong password, or with a revoked identity', async () => {
      await expect(connectClient(broker.url, { clientId: 'anonymous' })).rejects.toThrow();
      const sp = readCredentialsFile(spFile());
      await expect(
        connectClient(broker.url, { username: SP, password: `${sp.password}x`, clientId: SP }),
      ).rejects.toThrow();
      await expect(
        connectClient(broker.url, { username: 'nobody', password: sp.password, clientId: 'nobody' }),
      ).rejects.toThrow();
    });

    if (kind.name === 'aedes') {
      it("refuses unit B taking A's client id (and so A's persistent session)", async () => {
        const rj = readCredentialsFile(rjFile());
        for (const clientId of [SP, `gymedge-unit-${SP}`, `${SP}.x`, 'hq', 'gymedge-hq-relay']) {
          await expect(
            connectClient(broker.url, { username: rj.username, password: rj.password, clientId }),
            clientId,
          ).rejects.toThrow();
        }
        const own = await connect(broker.url, {
          username: rj.username,
          password: rj.password,
          clientId: `gymedge-unit-${RJ}`,
        });
        expect(own.connected).toBe(true);
      });

      it('takes a re-enrolment at once: the old password is refused, the new one accepted', async () => {
        const old = readCredentialsFile(spFile());
        const fresh = await enrolUnit(registry, SP, { brokerUrl: broker.url });
        await expect(
          connectClient(broker.url, { username: SP, password: old.password, clientId: SP }),
        ).rejects.toThrow();
        const client = await connect(broker.url, { username: SP, password: fresh.password, clientId: SP });
        expect(client.connected).toBe(true);
      });
    }
  });
}

aclSuite(AEDES);
if (hasMosquitto()) aclSuite(MOSQUITTO);
else
  describe.skip('link security on mosquitto (mosquitto is not installed: apt-get install mosquitto)', () => {});
