import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killHard, login, startUnitProcess, type UnitProcess } from './support/unit-process.ts';

const FIRST = ['Ana', 'Bruno', 'Carla', 'Daniel', 'Elisa', 'Fábio', 'Gisele', 'Hugo'];

describe('kill -9 in the middle of a write burst', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gymedge-kill-'));
  const running: UnitProcess[] = [];
  afterAll(async () => {
    for (const unit of running) await killHard(unit.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no member that the API acknowledged', async () => {
    const first = await startUnitProcess(dir);
    running.push(first);
    const token = await login(first.url);
    const acknowledged = new Map<string, string>();
    let sent = 0;
    let killed = false;

    const writer = async (worker: number) => {
      for (let i = 0; !killed; i++) {
        const name = `${FIRST[(worker + i) % FIRST.length]} Teste ${worker}x${i}`.replace(
          /\d/g,
          (d) => 'abcdefghij'[Number(d)] ?? '',
        );
        sent++;
        try {
          const response = await fetch(`${first.url}/api/v1/members`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ name }),
          });
          if (response.status === 201) {
            const body = (await response.json()) as { id: string; name: string };
            acknowledged.set(body.id, body.name);
          } else if (!killed) {
            throw new Error(`unexpected ${response.status}: ${await response.text()}`);
          }
        } catch (error) {
          if (!killed) throw error;
          return;
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => writer(w));
    while (acknowledged.size < 400) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    await killHard(first.child);
    await Promise.all(workers);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThanOrEqual(400);
    expect(sent).toBeGreaterThan(acknowledged.size);

    const second = await startUnitProcess(dir);
    running.push(second);
    const token2 = await login(second.url);
    let missing = 0;
    for (const [id, name] of acknowledged) {
      const response = await fetch(`${second.url}/api/v1/members/${id}`, {
        headers: { authorization: `Bearer ${token2}` },
      });
      if (response.status !== 200) missing++;
      else expect(((await response.json()) as { name: string }).name).toBe(name);
    }
    expect(missing).toBe(0);
    const list = (await (
      await fetch(`${second.url}/api/v1/members?limit=1`, { headers: { authorization: `Bearer ${token2}` } })
    ).json()) as { total: number };
    expect(list.total).toBeGreaterThanOrEqual(acknowledged.size);
    expect(list.total).toBeLessThanOrEqual(sent);
  });
});
