import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  headsOf,
  planFields,
  scratch,
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

for (const kind of ['aedes', 'mosquitto'] as const) {
  describe(`sync through ${kind}`, () => {
    const { dir, cleanup } = scratch(`sync-${kind}`);
    let broker: TestBroker;
    let hq: TestHq;
    let sp: TestUnit;
    let rj: TestUnit;

    beforeAll(async () => {
      broker = kind === 'aedes' ? await startAedes() : await startMosquitto();
      hq = await startHq(dir, broker.url);
      sp = await startUnit(dir, 'sp-paulista', broker.url);
      rj = await startUnit(dir, 'rj-copacabana', broker.url);
      await waitFor('units connected', () => sp.sync.status().connected && rj.sync.status().connected);
    });
    afterAll(async () => {
      await closeAll(sp, rj, hq, broker);
      cleanup();
    });

    it('ships members to HQ with their keys, acknowledges after commit, prunes the log', async () => {
      const created = [];
      for (let i = 0; i < 30; i++) {
        created.push(
          await sp.unit.members.create({ name: `Ana Souza ${i}`, email: `ana${i}@example.com` }, system),
        );
      }
      await rj.unit.members.create({ name: 'Bruno Lima' }, system);
      sp.sync.poke();
      rj.sync.poke();
      await waitFor(
        'HQ has both units',
        () =>
          headsOf(hq.hq.db, 'sp-paulista') === headsOf(sp.unit.db, 'sp-paulista') &&
          headsOf(hq.hq.db, 'rj-copacabana') === headsOf(rj.unit.db, 'rj-copacabana'),
      );
      await waitFor('acks reached the unit', () => sp.sync.status().pendingChanges === 0);
      expect(hq.hq.keys.get(created[0]!.id)).toBeDefined();
      const status = hq.relay.units();
      expect(status.map((u) => u.unitId)).toEqual(['rj-copacabana', 'sp-paulista']);
      expect(status.find((u) => u.unitId === 'sp-paulista')).toMatchObject({ online: true, documents: 30 });
      expect(sp.sync.status()).toMatchObject({ connected: true, pendingChanges: 0, lagSeconds: 0 });
      expect(sp.sync.status().lastSyncAt).toBeDefined();
      // Pruned (at most a second after the ack, in one delete), never the newest row.
      const logRows = () =>
        (sp.unit.db.prepare('SELECT count(*) AS n FROM change_log').get() as { n: number }).n;
      await waitFor('the log pruned', () => logRows() <= 1, 5000);
      expect(logRows()).toBe(1);
    });

    it('relays chain-wide documents from HQ to every unit', async () => {
      const plan = await hq.hq.store.create('plan', planFields('Plano Rede', 15990));
      hq.relay.poke();
      await waitFor('plan at both units', () => sp.unit.store.has(plan.id) && rj.unit.store.has(plan.id));
      // Committed there too (the store answers `has` from memory as soon as the change is merged).
      await sp.unit.store.flush();
      await rj.unit.store.flush();
      expect(headsOf(sp.unit.db, 'chain')).toBe(headsOf(hq.hq.db, 'chain'));
      expect(headsOf(rj.unit.db, 'chain')).toBe(headsOf(hq.hq.db, 'chain'));
    });

    it('an erasure at a unit destroys the key at HQ: no name, e-mail in the clear in hq.db', async () => {
      const m = await sp.unit.members.create(
        { name: 'Zuleica Apagada', email: 'zuleica.apagada@example.com' },
        system,
      );
      sp.sync.poke();
      await waitFor('key at HQ', () => hq.hq.keys.get(m.id) !== undefined);
      await sp.unit.members.erase(m.id, system);
      sp.sync.poke();
      await waitFor('erasure at HQ', () => hq.hq.keys.get(m.id) === undefined);
      await hq.hq.store.flush();
      hq.hq.db.pragma('wal_checkpoint(TRUNCATE)');
      const raw = Buffer.concat([
        readFileSync(hq.hq.path),
        readFileSync(`${hq.hq.path}-wal`, { flag: 'a+' }),
      ]);
      expect(raw.includes(Buffer.from('Zuleica'))).toBe(false);
      expect(raw.includes(Buffer.from('zuleica.apagada'))).toBe(false);
      // The other unit never held this member's key or clear data either.
      rj.unit.db.pragma('wal_checkpoint(TRUNCATE)');
      const other = readFileSync(rj.unit.path);
      expect(other.includes(Buffer.from('Zuleica'))).toBe(false);
      expect(other.includes(Buffer.from('zuleica.apagada'))).toBe(false);
      expect(join(hq.dir, 'hq.db')).toBe(hq.hq.path);
    });

    it('ships check-ins once, idempotently', async () => {
      const member = await sp.unit.members.create({ name: 'Carla Dias' }, system);
      const at = new Date().toISOString();
      sp.unit.checkins.record([
        {
          id: `sp-paulista:${at.slice(0, 10)}:${member.id}:1`,
          unitId: 'sp-paulista',
          memberId: member.id,
          at,
          localDate: at.slice(0, 10),
          method: 'qr',
        },
      ]);
      sp.sync.poke();
      await waitFor(
        'check-in at HQ',
        () => (hq.hq.db.prepare('SELECT count(*) AS n FROM checkins').get() as { n: number }).n === 1,
      );
      await waitFor(
        'shipped',
        () =>
          (
            sp.unit.db.prepare('SELECT count(*) AS n FROM checkins WHERE shipped_at IS NULL').get() as {
              n: number;
            }
          ).n === 0,
      );
    });
  });
}
