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
  startMosquitto,
  type TestBroker,
  waitFor,
} from './sync-support.ts';

const UNITS = ['sp-paulista', 'rj-copacabana'];

async function stopAll(peers: PeerProcess[]): Promise<void> {
  await Promise.all(
    peers.splice(0).map(async (p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await p.exited;
      clearTimeout(timer);
    }),
  );
}

async function converged(dir: string, timeoutMs: number): Promise<void> {
  const hq = peek(join(dir, 'hq', 'hq.db'));
  const units = UNITS.map((u) => peek(join(dir, u, 'unit.db')));
  try {
    await waitFor(
      'HQ and units agree',
      () => UNITS.every((u, i) => headsOf(units[i]!, u) !== '' && headsOf(hq, u) === headsOf(units[i]!, u)),
      timeoutMs,
    );
  } catch (error) {
    for (const [i, u] of UNITS.entries()) {
      const a = headsOf(hq, u).split('\n');
      const b = headsOf(units[i]!, u).split('\n');
      console.log(
        u,
        'docs at HQ',
        a.length,
        'at unit',
        b.length,
        'differ',
        b.filter((l) => !a.includes(l)).length,
      );
    }
    throw error;
  } finally {
    hq.close();
    for (const f of units) f.close();
  }
}

for (const kind of ['aedes', 'mosquitto'] as const) {
  describe(`kill -9 mid-sync (${kind})`, () => {
    const { dir, cleanup } = scratch(`chaos-kill-${kind}`);
    const live: PeerProcess[] = [];
    let broker: TestBroker | undefined;
    afterAll(async () => {
      for (const p of live) p.child.kill('SIGKILL');
      await broker?.close();
      cleanup();
    });

    it('a unit and HQ killed while syncing lose nothing acknowledged', { timeout: 150_000 }, async () => {
      broker = kind === 'aedes' ? await startAedes() : await startMosquitto();
      const url = broker.url;
      for (const u of UNITS) ensureLinkKey(u);
      let hq = forkPeer({ role: 'hq', root: dir, brokerUrl: url });
      live.push(hq);
      await hq.next('ready', 60_000, true);
      const units = UNITS.map((unitId) =>
        forkPeer({
          role: 'unit',
          root: dir,
          unitId,
          brokerUrl: url,
          docs: 30,
          edits: 800,
          concurrency: 4,
          pauseMs: 4,
        }),
      );
      live.push(...units);
      await Promise.all(units.map((p) => p.next('ready', 60_000, true)));
      await units[0]!.next('written', 30_000);
      // kill -9 the unit mid-write and mid-sync: what it acknowledged is on its disk and must reach HQ.
      units[0]!.child.kill('SIGKILL');
      await units[0]!.exited;
      const acknowledged = Number(units[0]!.last('written')?.written ?? 0);
      expect(acknowledged).toBeGreaterThan(0);
      const again = forkPeer({
        role: 'unit',
        root: dir,
        unitId: UNITS[0],
        brokerUrl: url,
        docs: 30,
        edits: 300,
        concurrency: 2,
      });
      live.push(again);
      await again.next('ready', 60_000, true);
      // kill -9 HQ while batches are in flight; the units keep writing; HQ comes back from its disk.
      await sleep(800);
      hq.child.kill('SIGKILL');
      await hq.exited;
      await sleep(1000);
      hq = forkPeer({ role: 'hq', root: dir, brokerUrl: url });
      live.push(hq);
      await hq.next('ready', 60_000, true);
      await Promise.all([again.next('done', 90_000, true), units[1]!.next('done', 90_000, true)]);
      await converged(dir, 60_000);
      await stopAll(live);
    });

    if (kind === 'mosquitto') {
      it('HQ frozen with SIGSTOP for 20 s while units write, then catches up', {
        timeout: 120_000,
      }, async () => {
        broker ??= await startMosquitto();
        for (const u of UNITS) ensureLinkKey(u);
        const hq = forkPeer({ role: 'hq', root: dir, brokerUrl: broker!.url });
        live.push(hq);
        await hq.next('ready', 60_000, true);
        const units = UNITS.map((unitId) =>
          forkPeer({
            role: 'unit',
            root: dir,
            unitId,
            brokerUrl: broker!.url,
            docs: 30,
            edits: 1500,
            concurrency: 1,
            pauseMs: 12,
          }),
        );
        live.push(...units);
        await Promise.all(units.map((p) => p.next('ready', 60_000, true)));
        hq.child.kill('SIGSTOP');
        await sleep(20_000);
        const during = units.map(
          (p) => (p.last('status')?.status as { pendingChanges: number } | undefined)?.pendingChanges ?? -1,
        );
        hq.child.kill('SIGCONT');
        const resumed = Date.now();
        await Promise.all(units.map((p) => p.next('done', 60_000, true)));
        await converged(dir, 60_000);
        console.log(
          `SIGSTOP: pending while frozen ${during.join(', ')}; converged ${Date.now() - resumed} ms after SIGCONT`,
        );
        expect(during.every((n) => n !== 0)).toBe(true);
      });
    }
  });
}
