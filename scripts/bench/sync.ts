/**
 * Sync benchmark (`npm run bench -- --only sync`): unit → HQ throughput against raw Mosquitto QoS 1 with
 * the same payload size, initial sync of a unit's members to an empty HQ, convergence after a partition
 * of three units, many simulated units on one relay (HQ CPU, ack lag), and a unit's own write rate while
 * it syncs. Real Mosquitto, real SQLite, units and HQ in separate processes where it matters.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as A from '@automerge/automerge';
import { newDocId } from '@gymedge/crdt-schema';
import { type ChangeBatch, decode, encode, PROTOCOL_VERSION, topicFor } from '@gymedge/sync-protocol';
import mqtt from 'mqtt';
import {
  ensureLinkKey,
  forkPeer,
  headsOf,
  type PeerProcess,
  peek,
  scratch,
  sleep,
  startMosquitto,
  startUnit,
  system,
  type TestBroker,
  waitFor,
} from '../../apps/hq-sync/test/sync-support.ts';

interface Opts {
  readonly quick: boolean;
  readonly log: (line: string) => void;
}

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM:'));
    return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

async function stopPeers(peers: PeerProcess[]): Promise<void> {
  await Promise.all(
    peers.map(async (p) => {
      if (p.child.exitCode !== null) return;
      p.child.kill('SIGTERM');
      const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await p.exited;
      clearTimeout(t);
    }),
  );
}

/** Raw Mosquitto QoS 1: `n` messages of `size` bytes from one client to another, pipelined. */
async function rawQos1(url: string, n: number, size: number): Promise<number> {
  const sub = await mqtt.connectAsync(url, { clientId: 'bench-raw-sub', clean: true, protocolVersion: 5 });
  const pub = await mqtt.connectAsync(url, { clientId: 'bench-raw-pub', clean: true, protocolVersion: 5 });
  await sub.subscribeAsync('bench/raw', { qos: 1 });
  let got = 0;
  const done = new Promise<void>((resolve) =>
    sub.on('message', () => {
      if (++got === n) resolve();
    }),
  );
  const payload = Buffer.alloc(size, 0x61);
  const started = performance.now();
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    window.push(pub.publishAsync('bench/raw', payload, { qos: 1 }));
    if (window.length >= 64) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  await done;
  const seconds = (performance.now() - started) / 1000;
  await pub.endAsync();
  await sub.endAsync();
  return n / seconds;
}

export async function run(opts: Opts): Promise<string> {
  const { dir, cleanup } = scratch('bench-sync');
  const lines: string[] = ['## Sync', ''];
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  const broker: TestBroker = await startMosquitto();
  const peers: PeerProcess[] = [];
  try {
    // 1. Throughput: changes written while sync was stopped, then shipped; vs raw QoS 1, same size.
    const n = opts.quick ? 3000 : 10_000;
    // HQ in its own process, as in production: the unit's process does only the unit's work.
    ensureLinkKey('sp-paulista');
    const hq = forkPeer({ role: 'hq', root: join(dir, 't'), brokerUrl: broker.url });
    peers.push(hq);
    await hq.next('ready', 60_000, true);
    const unit = await startUnit(join(dir, 't'), 'sp-paulista', broker.url, 60_000);
    await unit.sync.stop();
    const ids: string[] = [];
    for (let i = 0; i < 200; i++)
      ids.push((await unit.unit.members.create({ name: `Bench ${i}` }, system)).id);
    for (let i = 0; i < n; i += 100) {
      await Promise.all(
        ids.slice(0, 100).map((id, k) => unit.unit.store.update(id, { region: `r${i + k}` })),
      );
    }
    const rows = unit.unit.db
      .prepare("SELECT count(*) AS n, avg(length(bytes)) AS size FROM change_log WHERE origin = 'local'")
      .get() as { n: number; size: number };
    opts.log(`throughput: ${rows.n} changes of ${Math.round(rows.size)} B on average`);
    const t0 = performance.now();
    unit.sync.start();
    await waitFor(
      'shipped',
      () => unit.sync.status().connected && unit.sync.status().pendingChanges === 0,
      300_000,
    );
    const syncRate = rows.n / ((performance.now() - t0) / 1000);
    // Each change travels as base64 inside JSON: compare with raw messages of that size.
    const wireSize = Math.round((rows.size * 4) / 3 + 200);
    const rawRate = await rawQos1(broker.url, rows.n, wireSize);
    opts.log(`throughput: sync ${syncRate.toFixed(0)}/s, raw QoS 1 ${rawRate.toFixed(0)}/s`);
    lines.push(
      '### Throughput, unit → durable at HQ (Mosquitto, same machine)',
      '',
      '| changes | avg change | sync (acked after HQ commit) | raw Mosquitto QoS 1, one message per change of the same wire size | ratio |',
      '| ---: | ---: | ---: | ---: | ---: |',
      `| ${rows.n} | ${Math.round(rows.size)} B | ${syncRate.toFixed(0)} changes/s | ${rawRate.toFixed(0)} msg/s | ${(syncRate / rawRate).toFixed(2)}x |`,
      '',
    );

    // 6. The unit's own write rate, sync stopped vs running (HQ acking in this process).
    const writes = opts.quick ? 2000 : 5000;
    const rate = async () => {
      const started = performance.now();
      for (let i = 0; i < writes; i += 50) {
        await Promise.all(
          ids.slice(0, 50).map((id, k) => unit.unit.store.update(id, { region: `w${i + k}-${started}` })),
        );
      }
      return writes / ((performance.now() - started) / 1000);
    };
    await unit.sync.stop();
    const alone = await rate();
    unit.sync.start();
    await waitFor('connected', () => unit.sync.status().connected, 30_000);
    const syncing = await rate();
    await waitFor('shipped', () => unit.sync.status().pendingChanges === 0, 120_000);
    lines.push(
      "### The unit's own write rate while it syncs",
      '',
      '| writes | sync stopped | syncing | change |',
      '| ---: | ---: | ---: | ---: |',
      `| ${writes} | ${alone.toFixed(0)}/s | ${syncing.toFixed(0)}/s | ${(((syncing - alone) / alone) * 100).toFixed(1)}% |`,
      '',
    );
    await unit.close();
    await stopPeers(peers.splice(0));

    // 2. Initial sync of a unit's members to an empty HQ (unit and HQ in separate processes).
    const sizes = opts.quick ? [2000] : [2000, 20_000];
    lines.push(
      '### Initial sync of a unit to an empty HQ',
      '',
      '| members | time to identical heads | HQ peak RSS | unit peak RSS |',
      '| ---: | ---: | ---: | ---: |',
    );
    for (const docs of sizes) {
      const root = join(dir, `initial-${docs}`);
      ensureLinkKey('sp-paulista');
      // The unit first fills its database alone (no broker yet: it cannot reach HQ).
      const filler = forkPeer({
        role: 'unit',
        root,
        unitId: 'sp-paulista',
        brokerUrl: 'mqtt://127.0.0.1:9',
        docs,
        edits: 0,
      });
      await filler.next('done', 600_000, true);
      await stopPeers([filler]);
      const hqPeer = forkPeer({ role: 'hq', root, brokerUrl: broker.url });
      peers.push(hqPeer);
      await hqPeer.next('ready', 60_000, true);
      const started = performance.now();
      const unitPeer = forkPeer({
        role: 'unit',
        root,
        unitId: 'sp-paulista',
        brokerUrl: broker.url,
        docs,
        edits: 0,
      });
      peers.push(unitPeer);
      const unitFile = peek(join(root, 'sp-paulista', 'unit.db'));
      let hqFile: ReturnType<typeof peek> | undefined;
      await waitFor(
        'initial sync',
        () => {
          try {
            hqFile ??= peek(join(root, 'hq', 'hq.db'));
          } catch {
            return false;
          }
          return headsOf(hqFile, 'sp-paulista') === headsOf(unitFile, 'sp-paulista');
        },
        600_000,
      );
      const seconds = (performance.now() - started) / 1000;
      const hqRss = rssOf(hqPeer.child.pid);
      const unitRss = rssOf(unitPeer.child.pid);
      unitFile.close();
      hqFile?.close();
      opts.log(
        `initial sync of ${docs}: ${seconds.toFixed(1)} s, HQ ${hqRss.toFixed(0)} MB, unit ${unitRss.toFixed(0)} MB`,
      );
      lines.push(`| ${docs} | ${seconds.toFixed(1)} s | ${hqRss.toFixed(0)} MB | ${unitRss.toFixed(0)} MB |`);
      await stopPeers(peers.splice(0));
    }
    lines.push('');

    // 3. Convergence after a partition: 3 units write while HQ's broker is unreachable, then it returns.
    const edits = opts.quick ? 2000 : 10_000;
    const late: TestBroker = await startMosquitto();
    await late.stop();
    const root = join(dir, 'partition');
    const units = ['sp-paulista', 'rj-copacabana', 'bh-savassi'];
    for (const u of units) ensureLinkKey(u);
    const hqPeer = forkPeer({ role: 'hq', root, brokerUrl: late.url });
    const unitPeers = units.map((unitId) =>
      forkPeer({ role: 'unit', root, unitId, brokerUrl: late.url, docs: 100, edits, concurrency: 8 }),
    );
    peers.push(hqPeer, ...unitPeers);
    await Promise.all(unitPeers.map((p) => p.next('done', 600_000, true)));
    await late.start();
    await waitFor(
      'all connected',
      () =>
        unitPeers.every(
          (p) => (p.last('status')?.status as { connected?: boolean } | undefined)?.connected === true,
        ),
      60_000,
    );
    const connectedAt = performance.now();
    const files = units.map((u) => peek(join(root, u, 'unit.db')));
    const hqFile = peek(join(root, 'hq', 'hq.db'));
    await waitFor(
      'converged',
      () => units.every((u, i) => headsOf(hqFile, u) === headsOf(files[i]!, u)),
      600_000,
    );
    const convergence = (performance.now() - connectedAt) / 1000;
    for (const f of [...files, hqFile]) f.close();
    await stopPeers(peers.splice(0));
    await late.close();
    opts.log(
      `partition of ${edits} changes on each of 3 units: converged ${convergence.toFixed(1)} s after reconnecting`,
    );
    lines.push(
      '### Convergence after a partition',
      '',
      '| units | changes made offline per unit | time from reconnection to identical heads |',
      '| ---: | ---: | ---: |',
      `| 3 | ${edits} | ${convergence.toFixed(1)} s |`,
      '',
    );

    // 4. Simulated units on one relay, 5 changes/s each: HQ CPU and ack lag.
    lines.push(
      '### Many units on one relay (simulated units, 5 changes/s each, one change per batch)',
      '',
      '| units | seconds | changes acked | HQ CPU (of one core) | ack lag p50 | p99 |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const count of [10, 100]) {
      const r = await simulatedUnits(
        join(dir, `sim-${count}`),
        broker.url,
        count,
        opts.quick ? 10 : 20,
        peers,
      );
      opts.log(`${count} simulated units: CPU ${(r.cpu * 100).toFixed(0)}%, lag p99 ${r.p99.toFixed(0)} ms`);
      lines.push(
        `| ${count} | ${r.seconds} | ${r.acked} | ${(r.cpu * 100).toFixed(0)}% | ${r.p50.toFixed(0)} ms | ${r.p99.toFixed(0)} ms |`,
      );
    }
    lines.push(
      '',
      `Load average (1/5/15 min) at the start of this run: ${loadAtStart}; at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}${opts.quick ? ' (quick mode: smaller sizes)' : ''}.`,
      '',
      'Measured on the shared 2-core machine while other work may run: the broker, HQ and the units compete for the',
      'same cores, so absolute figures are low and noisy; the ratios are the point. Aims: throughput ≥ 0.5x raw QoS 1,',
      'initial sync of 20,000 members < 30 s and < 500 MB RSS each side, convergence < 10 s, lag p99 < 2 s, write',
      'rate drop ≤ 10%.',
      '',
    );
    return lines.join('\n');
  } finally {
    await stopPeers(peers);
    await broker.close();
    cleanup();
  }
}

async function simulatedUnits(
  root: string,
  url: string,
  count: number,
  seconds: number,
  peers: PeerProcess[],
): Promise<{ seconds: number; acked: number; cpu: number; p50: number; p99: number }> {
  const hqPeer = forkPeer({ role: 'hq', root, brokerUrl: url });
  peers.push(hqPeer);
  await hqPeer.next('ready', 60_000, true);
  const lags: number[] = [];
  const clients: mqtt.MqttClient[] = [];
  const sent = new Map<string, number>();
  const state = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const unitId = `sim-${String(i).padStart(3, '0')}`;
      const client = await mqtt.connectAsync(url, {
        clientId: `bench-${unitId}`,
        clean: true,
        protocolVersion: 5,
      });
      clients.push(client);
      await client.subscribeAsync(topicFor('hqAcks', unitId), { qos: 1 });
      client.on('message', (_topic, payload) => {
        const ack = decode('hqAcks', payload);
        if (!ack.ok) return;
        const at = sent.get(ack.value.batchId);
        if (at !== undefined) lags.push(performance.now() - at);
      });
      const id = newDocId('member');
      const now = new Date().toISOString();
      const doc = A.from<Record<string, unknown>>({
        id,
        type: 'member',
        schemaVersion: 2,
        unitId,
        createdAt: now,
        updatedAt: now,
        status: 'active',
        consent: { marketing: false, imageAnalytics: false },
        pii: {},
      });
      return { unitId, client, doc, id, seq: 0, first: A.getLastLocalChange(doc) };
    }),
  );
  const cpu0 = cpuSecondsOf(hqPeer.child.pid);
  const started = performance.now();
  const publishOne = (s: (typeof state)[number]) => {
    let change: Uint8Array | undefined;
    if (s.first !== undefined) {
      change = s.first;
      s.first = undefined;
    } else {
      s.doc = A.change(s.doc, (d) => {
        d.region = `r${s.seq}`;
      });
      change = A.getLastLocalChange(s.doc);
    }
    if (change === undefined) return;
    s.seq++;
    const batch: ChangeBatch = {
      v: PROTOCOL_VERSION,
      batchId: `${s.unitId}:${s.seq}-${s.seq}:bench000`,
      from: s.unitId,
      seqFrom: s.seq,
      seqTo: s.seq,
      sentAt: new Date().toISOString(),
      changes: [{ docId: s.id, hash: [], deps: [], bytes: Buffer.from(change).toString('base64') }],
    };
    sent.set(batch.batchId, performance.now());
    s.client.publish(topicFor('unitChanges', s.unitId), encode('unitChanges', batch), { qos: 1 });
  };
  // 5 changes/s per unit, spread evenly over each 200 ms tick.
  while (performance.now() - started < seconds * 1000) {
    const tick = performance.now();
    for (const s of state) publishOne(s);
    await sleep(Math.max(0, 200 - (performance.now() - tick)));
  }
  await sleep(3000);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (cpuSecondsOf(hqPeer.child.pid) - cpu0) / elapsed;
  for (const c of clients) await c.endAsync();
  await stopPeers(peers.splice(peers.indexOf(hqPeer), 1));
  return { seconds, acked: lags.length, cpu, p50: pct(lags, 50), p99: pct(lags, 99) };
}
