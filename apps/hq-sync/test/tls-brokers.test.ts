import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topicFor } from '@gymedge/sync-protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityRegistry } from '../src/broker/identities.ts';
import { enrolUnit } from '../src/enrolment.ts';
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
import { makeOtherCa, makeTestCa, type TestCa } from './support/test-ca.ts';

const SP = 'sp-paulista';

function tlsSuite(kind: BrokerKind) {
  describe(`mqtts on ${kind.name} with a CA the test makes`, () => {
    let dir: string;
    let ca: TestCa;
    let registry: IdentityRegistry;
    let broker: RunningBroker;
    let hqPassword: string;
    let credentials: Awaited<ReturnType<typeof enrolUnit>>;
    const open: MqttClient[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `gymedge-tls-${kind.name}-`));
      ca = makeTestCa(dir);
      registry = IdentityRegistry.open(join(dir, 'broker-identities.db'));
      hqPassword = (await registry.issue({ role: 'hq' })).password;
      credentials = await enrolUnit(registry, SP, { brokerUrl: 'mqtts://127.0.0.1:1', caPem: ca.caPem });
      broker = await kind.start(registry, dir, ca);
    });

    afterAll(async () => {
      for (const client of open) client.end(true);
      await broker?.stop();
      registry?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("carries a unit's messages over TLS when the unit trusts the CA from its credentials file", async () => {
      expect(broker.url).toMatch(/^mqtts:\/\//);
      expect(credentials.caPem).toContain('BEGIN CERTIFICATE');
      const hq = await connectClient(broker.url, {
        username: 'hq',
        password: hqPassword,
        clientId: 'hq',
        ca: ca.caPem,
      });
      open.push(hq);
      const seen = collect(hq);
      await hq.subscribeAsync(topicFor('unitRecords', SP), { qos: 1 });
      const unit = await connectClient(broker.url, {
        username: credentials.username,
        password: credentials.password,
        clientId: SP,
        ...(credentials.caPem ? { ca: credentials.caPem } : {}),
      });
      open.push(unit);
      await unit.publishAsync(topicFor('unitRecords', SP), 'over tls', { qos: 1 });
      await sleep(200);
      expect(seen.map((m) => m.payload)).toEqual(['over tls']);
    });

    it('refuses a unit that does not trust the CA, and a plain mqtt:// client on the TLS port', async () => {
      await expect(
        connectClient(broker.url, {
          username: credentials.username,
          password: credentials.password,
          clientId: SP,
          ca: makeOtherCa(dir),
        }),
      ).rejects.toThrow(/certificate|self.signed|verify/i);
      await expect(
        connectClient(`mqtt://127.0.0.1:${broker.port}`, {
          username: credentials.username,
          password: credentials.password,
          clientId: SP,
          connectTimeout: 1500,
        }),
      ).rejects.toThrow();
    });
  });
}

tlsSuite(AEDES);
if (hasMosquitto()) tlsSuite(MOSQUITTO);
else describe.skip('mqtts on mosquitto (mosquitto is not installed: apt-get install mosquitto)', () => {});
