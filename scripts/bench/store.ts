/**
 * The store area (issue 13): does the event loop stay free for people while the store works? API p99
 * of a member read and a member create, measured by a client on its own thread, while (a) a burst of
 * remote changes is applied through the inbox (`Inbox.receive`) and (b) background compaction runs. Peers in the
 * same run: the same requests on the idle unit, and compaction run the old way (`compact()`, one
 * synchronous pass) over an equal set of documents.
 */
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Inbox } from '@gymedge/store';
import { startEdge } from '../../apps/edge/src/edge-app.ts';
import { silentLogger } from '../../apps/edge/src/lib/logger.ts';
import { openUnitStore } from '../../apps/edge/src/unit-store.ts';
import { removeDir, tempDir } from './cleanup.ts';
import { int, type LatencySummary, ms, ratio, summarize } from './stats.ts';

const PASSWORD = 'bench-store-password';

// The client: two closed loops (a read and a create), each paced 2 ms apart, timing every request.
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, token, memberId } = workerData;
let phase = null;
let stop = false;
const samples = {};
parentPort.on('message', (m) => {
  if (m.type === 'phase') phase = m.name;
  else if (m.type === 'stop') stop = true;
});
const letters = (n) => String(n).replace(/\\d/g, (d) => 'abcdefghij'[Number(d)]);
const headers = { authorization: 'Bearer ' + token, 'content-type': 'application/json' };
async function loop(kind) {
  let i = 0;
  while (!stop) {
    const current = phase;
    if (current === null) { await new Promise((r) => setTimeout(r, 5)); continue; }
    const started = performance.now();
    const response = kind === 'read'
      ? await fetch(url + '/api/v1/members/' + memberId, { headers })
      : await fetch(url + '/api/v1/members', { method: 'POST', headers, body: JSON.stringify({ name: 'Bench Pessoa ' + letters(i++) }) });
    await response.arrayBuffer();
    const took = performance.now() - started;
    const key = current + ':' + kind + ':' + (response.ok ? 'ok' : response.status);
    (samples[key] = samples[key] || []).push(took);
    await new Promise((r) => setTimeout(r, 2));
  }
  parentPort.postMessage({ kind, done: true });
}
let finished = 0;
const done = () => { finished++; if (finished === 2) parentPort.postMessage({ samples }); };
loop('read').then(done);
loop('create').then(done);
`;

/** `docs` plan documents made on another store, each with `perDoc` changes: their change bytes, in order. */
async function makeRemoteChanges(
  dir: string,
  docs: number,
  perDoc: number,
): Promise<Array<{ id: string; bytes: Uint8Array }>> {
  const source = openUnitStore({ dir, unitId: 'hq-source', logger: silentLogger(), compactEveryMs: 0 });
  try {
    const ids: string[] = [];
    const made = await Promise.all(
      Array.from({ length: docs }, (_, i) =>
        source.store.create('plan', {
          name: `Plano Remoto ${String(i).replace(/\d/g, (d) => 'abcdefghij'[Number(d)] ?? '')}`,
          priceCents: 1000 + i,
          currency: 'BRL',
          billingPeriod: 'monthly',
          access: 'home',
          active: true,
        }),
      ),
    );
    for (const doc of made) ids.push(doc.id);
    for (let round = 1; round < perDoc; round++) {
      await Promise.all(
        ids.map((id, i) => source.store.update(id, { priceCents: 2000 + round * 10 + (i % 7) })),
      );
    }
    return (
      source.db.prepare('SELECT doc_id, bytes FROM change_log ORDER BY seq').all() as Array<{
        doc_id: string;
        bytes: Buffer;
      }>
    ).map((row) => ({ id: row.doc_id, bytes: new Uint8Array(row.bytes) }));
  } finally {
    await source.close();
  }
}

type Samples = Record<string, number[]>;

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<string> {
  const docs = opts.quick ? 250 : 500;
  const perDoc = 20;
  const root = tempDir('store');
  const loadBefore = loadavg()[0] ?? 0;
  try {
    opts.log(`making 2 × ${int(docs * perDoc)} remote changes (${docs} plans × ${perDoc} changes each)`);
    const setA = await makeRemoteChanges(`${root}/source-a`, docs, perDoc);
    const setB = await makeRemoteChanges(`${root}/source-b`, docs, perDoc);
    const edge = await startEdge({
      unitId: 'sp-paulista',
      port: 0,
      dataDir: `${root}/data`,
      adminPassword: PASSWORD,
      logger: silentLogger(),
    });
    const login = await fetch(`${edge.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'admin', password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const member = await fetch(`${edge.url}/api/v1/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Leitura Constante' }),
    });
    const memberId = ((await member.json()) as { id: string }).id;
    const client = new Worker(CLIENT, { eval: true, workerData: { url: edge.url, token, memberId } });
    const result = new Promise<Samples>((resolve) =>
      client.on('message', (m: { samples?: Samples }) => {
        if (m.samples !== undefined) resolve(m.samples);
      }),
    );
    const phase = (name: string | null) => client.postMessage({ type: 'phase', name });
    const store = edge.unit.store;
    const inbox = new Inbox({ store, db: edge.unit.db, logger: silentLogger() });
    const timings: Record<string, number> = {};

    phase('idle');
    await new Promise((r) => setTimeout(r, opts.quick ? 1500 : 3000));

    opts.log(`burst: ${int(setA.length)} changes through the inbox`);
    phase('burst');
    let started = performance.now();
    const outcomes = await Promise.all(setA.map((c) => inbox.receive(c.id, c.bytes, 'hq')));
    timings.burst = performance.now() - started;
    const applied = outcomes.filter((o) => o.applied > 0).length;

    opts.log('background compaction');
    phase('compaction');
    started = performance.now();
    const compacted = await store.compactInBackground(docs * 2);
    timings.compaction = performance.now() - started;

    phase(null);
    await Promise.all(setB.map((c) => inbox.receive(c.id, c.bytes, 'hq')));
    await new Promise((r) => setTimeout(r, 200));
    opts.log('peer: compaction in one synchronous pass (the old way)');
    phase('sync-compaction');
    await new Promise((r) => setTimeout(r, 50));
    started = performance.now();
    const compactedSync = store.compact(docs * 2);
    timings.syncCompaction = performance.now() - started;
    await new Promise((r) => setTimeout(r, 300));

    client.postMessage({ type: 'stop' });
    const samples = await result;
    await client.terminate();
    await edge.stop();

    const row = (name: string, label: string): string => {
      const read = summarize(samples[`${name}:read:ok`] ?? []);
      const create = summarize(samples[`${name}:create:ok`] ?? []);
      const idleRead = summarize(samples['idle:read:ok'] ?? []);
      const idleCreate = summarize(samples['idle:create:ok'] ?? []);
      const failed = Object.entries(samples)
        .filter(([key]) => key.startsWith(`${name}:`) && !key.endsWith(':ok'))
        .reduce((n, [, v]) => n + v.length, 0);
      const cell = (s: LatencySummary, base: LatencySummary) =>
        `${ms(s.p50)} / **${ms(s.p99)}** / ${ms(s.max)} (${int(s.n)})${name === 'idle' ? '' : ` · p99 ${ratio(s.p99 / base.p99)}`}`;
      return `| ${label} | ${cell(read, idleRead)} | ${cell(create, idleCreate)} | ${failed} |`;
    };
    const lines = [
      '## Store',
      '',
      `The event loop while the store works (issue 13). A client on its own thread keeps one member read (\`GET /api/v1/members/:id\`) and one member create (\`POST /api/v1/members\`) in flight, 2 ms apart, against an in-process unit (the same thread that applies the changes). Latencies are p50 / **p99** / max (requests), with the p99 ratio to the idle unit measured in the same run. Aim: p99 under 20 ms during the burst and during compaction. ${opts.quick ? 'Quick run (smaller burst). ' : ''}Measured on a shared 2-core machine while other work ran (load average ${loadBefore.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end), so absolute figures are noisy; the ratios within the run are the comparison.`,
      '',
      '| while | member read | member create | failed requests |',
      '| --- | --- | --- | --- |',
      row('idle', 'idle unit (peer)'),
      row(
        'burst',
        `${int(setA.length)} remote changes through the inbox (${int(applied)} applied in ${ms(timings.burst ?? Number.NaN)}, 4 ms slices)`,
      ),
      row(
        'compaction',
        `background compaction of ${int(compacted)} documents (${ms(timings.compaction ?? Number.NaN)})`,
      ),
      row(
        'sync-compaction',
        `peer: \`compact()\` of ${int(compactedSync)} documents in one synchronous pass (${ms(timings.syncCompaction ?? Number.NaN)}: the old timer)`,
      ),
      '',
      `WAL checkpoints run on a worker thread (PASSIVE every second, \`wal_autocheckpoint=0\` on the writer) during all of these.`,
    ];
    return lines.join('\n');
  } finally {
    removeDir(root);
  }
}
