import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureLinkKey,
  forkPeer,
  headsOf,
  type PeerProcess,
  peek,
  scratch,
  sleep,
  startAedes,
  startHq,
  startMosquitto,
  type TestBroker,
  waitFor,
} from './sync-support.ts';

const UNITS = ['sp-paulista', 'rj-copacabana', 'bh-savassi'];
const EDITS = 1000;

for (const kind of ['aedes', 'mosquitto'] as const) {
  describe(`3 units x ${EDITS} edits while the ${kind} broker restarts twice`, () => {
    const { dir, cleanup } = scratch(`chaos-broker-${kind}`);
    const peers: PeerProcess[] = [];
    let broker: TestBroker | undefined;
    let close: (() => Promise<void>) | undefined;
    afterAll(async () => {
      for (const p of peers) p.child.kill('SIGKILL');
      await close?.();
      await broker?.close();
      cleanup();
    });

    it('ends with identical heads everywhere and every acknowledged write at HQ', {
      timeout: 150_000,
    }, async () => {
      broker = kind === 'aedes' ? await startAedes() : await startMosquitto();
      const hq = await startHq(dir, broker.url);
      close = () => hq.close();
      for (const unitId of UNITS) {
        ensureLinkKey(unitId);
        peers.push(
          forkPeer({
            role: 'unit',
            root: dir,
            unitId,
            brokerUrl: broker.url,
            docs: 40,
            edits: EDITS,
            concurrency: 4,
            pauseMs: 3,
          }),
        );
      }
      const t0 = Date.now();
      await Promise.all(peers.map((p) => p.next('ready', 60_000, true)));
      const tReady = Date.now();
      for (let restart = 0; restart < 2; restart++) {
        await sleep(1500);
        await broker.stop();
        await sleep(700);
        await broker.start();
      }
      await Promise.all(peers.map((p) => p.next('done', 120_000, true)));
      const tDone = Date.now();
      for (const p of peers) expect(p.last('done')?.written).toBe(EDITS);
      const files = UNITS.map((u) => peek(join(dir, u, 'unit.db')));
      try {
        await waitFor(
          'HQ heads equal to every unit',
          () =>
            UNITS.every(
              (u, i) => headsOf(hq.hq.db, u) === headsOf(files[i]!, u) && headsOf(files[i]!, u) !== '',
            ),
          90_000,
        );
        console.log(
          `${kind}: ready ${tReady - t0} ms, writes done ${tDone - tReady} ms, converged ${Date.now() - tDone} ms`,
        );
        // The last value each unit wrote is the value HQ holds, document by document.
        for (const [i, u] of UNITS.entries()) {
          const rows = files[i]!.prepare('SELECT doc_id FROM documents WHERE unit_id = ?').all(u) as Array<{
            doc_id: string;
          }>;
          expect(rows.length).toBe(40);
          // Equal heads mean equal change sets: every write the unit acknowledged is in HQ's copy.
          const regions = new Set(rows.map((r) => String(hq.hq.store.get<'member'>(r.doc_id)?.region)));
          expect(regions.size).toBe(40);
        }
        await waitFor(
          'units report nothing pending',
          () =>
            peers.every(
              (p) =>
                (p.last('status')?.status as { pendingChanges: number } | undefined)?.pendingChanges === 0,
            ),
          30_000,
        );
      } finally {
        for (const f of files) f.close();
      }
    });
  });
}
