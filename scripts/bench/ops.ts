/**
 * Operations (issue 15): check-ins per second and their latency through the API, the kiosk's time to
 * interactive in Chromium, and 100 concurrent requests for the last seat of a class. The unit runs in
 * its own process (the real `gymedge edge`), filled through its API; peers measured in the same run:
 * `GET /health` (the cost of any request) for check-ins, the status page for the kiosk, and 100
 * bookings into 100 different classes (no contention) for the last seat.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { cpfFromBase } from '../../apps/edge/src/domain/cpf.ts';
import { launchBrowser, openPage } from '../../packages/ui/node/chromium.ts';
import { removeDir, tempDir, track } from './cleanup.ts';
import { int, ms, percentile } from './stats.ts';
import { BIN } from './unit-process.ts';

const UNIT = 'bench-ops';
const PASSWORD = 'bench operations password';

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // starting
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the bench unit did not start');
}

/** Runs `count` calls of `call` with `concurrency` in flight; returns each latency (ms) and the wall time. */
async function pool(count: number, concurrency: number, call: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await call(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000 };
}

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<string> {
  const dir = tempDir('gymedge-bench-ops-');
  mkdirSync(join(dir, UNIT), { recursive: true });
  // Every check-in admitted and recorded (no "already inside" window), so each one does the full work.
  writeFileSync(join(dir, UNIT, 'operations.json'), JSON.stringify({ reentryMinutes: 0 }));
  const port = 19_000 + Math.floor(Math.random() * 900);
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = track(
    spawn(process.execPath, [BIN, 'edge', '--unit', UNIT, '--port', String(port), '--data', dir], {
      env: { ...process.env, GYMEDGE_ADMIN_PASSWORD: PASSWORD, GYMEDGE_LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    }),
  );
  try {
    await waitUp(url);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'admin', password: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const members = opts.quick ? 120 : 300;
    opts.log(`ops: ${members} members with paid plans`);
    const plan = await api<{ id: string }>('POST', '/api/v1/plans', {
      name: 'Mensal',
      priceCents: 12990,
      billingPeriod: 'monthly',
    });
    const type = await api<{ id: string }>('POST', '/api/v1/class-types', {
      name: 'Spinning',
      durationMin: 45,
      defaultCapacity: 20,
    });
    const ids: string[] = [];
    await pool(members, 8, async (i) => {
      const m = await api<{ id: string }>('POST', '/api/v1/members', {
        name: `Aluno Bench ${'abcdefghij'[i % 10]}${'klmnopqrst'[Math.floor(i / 10) % 10]}${'uvwxyzabcd'[Math.floor(i / 100) % 10]}`,
        document: cpfFromBase(String(200_000_000 + i)),
      });
      const sold = await api<{ payments: Array<{ id: string }> }>(
        'POST',
        `/api/v1/members/${m.id}/memberships`,
        { planId: plan.id },
      );
      for (const p of sold.payments) await api('POST', `/api/v1/payments/${p.id}/pay`, { method: 'cash' });
      ids.push(m.id);
    });

    // --- A timetable like a unit's: 8 classes a day for the next 14 days, each member booked into 2 of
    // the classes already open for booking, so each check-in's greeting has bookings to find.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const timetable: string[] = [];
    const slots = ['06:00', '07:00', '08:00', '12:00', '17:00', '18:00', '19:00', '20:00'];
    await pool(14 * slots.length, 4, async (i) => {
      const s = await api<{ id: string }>('POST', '/api/v1/sessions', {
        classTypeId: type.id,
        date: day(1 + Math.floor(i / slots.length)),
        time: slots[i % slots.length],
        capacity: 20,
        room: 'Sala 1', // the last-seat classes below have no room: different sessions at the same times
      });
      timetable[i] = s.id;
    });
    const open = timetable.slice(0, 5 * slots.length); // days 1-5: inside the 7-day booking window
    let placed = 0;
    await pool(ids.length * 2, 8, async (i) => {
      const o = await api<{ status: string }>(
        'POST',
        `/api/v1/sessions/${open[(i * 7) % open.length]}/bookings`,
        {
          memberId: ids[i % ids.length],
        },
      );
      if (o.status === 'booked') placed++;
    });
    opts.log(`ops: ${timetable.length} classes, ${placed} bookings`);

    // --- Check-ins through the API.
    const checkins = opts.quick ? 1000 : 3000;
    opts.log(`ops: ${checkins} check-ins, 16 in flight`);
    let admitted = 0;
    const ck = await pool(checkins, 16, async (i) => {
      const result = await api<{ allowed: boolean }>('POST', '/api/v1/checkins', {
        memberId: ids[i % ids.length],
      });
      if (result.allowed) admitted++;
    });
    const health = await pool(checkins, 16, async () => {
      await (await fetch(`${url}/health`)).arrayBuffer();
    });
    const ckRate = checkins / ck.seconds;
    const healthRate = checkins / health.seconds;

    // --- The last seat: 100 members at once for a class with one seat; the peer: 100 classes, one each.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const last = await api<{ id: string }>('POST', '/api/v1/sessions', {
      classTypeId: type.id,
      date: tomorrow,
      time: '07:00',
      capacity: 1,
    });
    const askers = ids.slice(0, 100);
    const outcomes: string[] = [];
    const seat = await pool(askers.length, askers.length, async (i) => {
      const o = await api<{ status: string }>('POST', `/api/v1/sessions/${last.id}/bookings`, {
        memberId: askers[i],
      });
      outcomes.push(o.status);
    });
    const spread: string[] = [];
    for (let i = 0; i < askers.length; i++) {
      const s = await api<{ id: string }>('POST', '/api/v1/sessions', {
        classTypeId: type.id,
        date: tomorrow,
        time: `${String(8 + Math.floor(i / 12)).padStart(2, '0')}:${String((i % 12) * 5).padStart(2, '0')}`,
        capacity: 5,
      });
      spread.push(s.id);
    }
    const free = await pool(askers.length, askers.length, async (i) => {
      await api('POST', `/api/v1/sessions/${spread[i]}/bookings`, { memberId: askers[i] });
    });
    const booked = outcomes.filter((o) => o === 'booked').length;
    const waitlisted = outcomes.filter((o) => o === 'waitlisted').length;

    // --- Kiosk time to interactive (keypad usable), fresh context each time; peer: the status page.
    opts.log('ops: kiosk time to interactive in Chromium');
    const browser = await launchBrowser();
    const tti: number[] = [];
    const status: number[] = [];
    try {
      for (let i = 0; i < (opts.quick ? 4 : 8); i++) {
        const kiosk = await openPage(browser);
        const t = performance.now();
        await kiosk.page.goto(`${url}/kiosk?camera=off`);
        await kiosk.page.locator('[data-key="1"]').waitFor({ state: 'visible' });
        tti.push(performance.now() - t);
        await kiosk.close();
        const home = await openPage(browser);
        const h = performance.now();
        await home.page.goto(`${url}/`);
        await home.page.locator('body').waitFor();
        status.push(performance.now() - h);
        await home.close();
      }
    } finally {
      await browser.close();
    }
    tti.sort((a, b) => a - b);
    status.sort((a, b) => a - b);
    const p = (values: number[], q: number) => ms(percentile(values, q));
    return [
      '## Operations',
      '',
      `Unit \`${UNIT}\` in its own process (\`gymedge edge\`), ${members} members with paid plans, ${timetable.length} classes over the next 14 days with ${placed} bookings (so each check-in's greeting has classes to find), filled through the API; client in the bench process. Shares the machine's 2 cores with whatever else runs (load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} at the end of this run, 1/5/15 min: other engineers' work).`,
      '',
      '| measure | operations | peer (same run) | ratio |',
      '| --- | --- | --- | --- |',
      `| check-ins through the API (16 in flight, ${checkins}, ${admitted} admitted) | ${int(ckRate)}/s, p50 ${p(ck.latencies, 50)}, p99 ${p(ck.latencies, 99)} | \`GET /health\`: ${int(healthRate)}/s, p99 ${p(health.latencies, 99)} | ${(ckRate / healthRate).toFixed(2)}× the request floor |`,
      `| 100 concurrent bookings for the last seat | ${booked} booked, ${waitlisted} waitlisted; p50 ${p(seat.latencies, 50)}, p99 ${p(seat.latencies, 99)} | 100 bookings into 100 classes: p99 ${p(free.latencies, 99)} | ${(percentile(seat.latencies, 99) / Math.max(0.001, percentile(free.latencies, 99))).toFixed(2)}× |`,
      `| kiosk time to interactive (fresh context, keypad visible; aim < 1 s) | median ${p(tti, 50)}, max ${ms(tti[tti.length - 1] ?? 0)} | status page \`/\`: median ${p(status, 50)} | ${(percentile(tti, 50) / Math.max(0.001, percentile(status, 50))).toFixed(2)}× |`,
      '',
    ].join('\n');
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    removeDir(dir);
  }
}
