import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can } from '../src/api/permissions.ts';
import { type RunningEdge, startEdge } from '../src/edge-app.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { findImageBytes, MAX_VISION_PAYLOAD_BYTES } from '../src/vision/privacy.ts';
import { NO_MODEL, NO_VTEST } from './vision-support.ts';

const PASSWORD = 'vision-test-password-1';

async function until<T>(probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(NO_MODEL !== '' || NO_VTEST !== '')(`a unit with a camera ${NO_MODEL || NO_VTEST}`, () => {
  let dataDir: string;
  let edge: RunningEdge;
  let token: string;
  const get = (path: string, auth = true) =>
    fetch(`${edge.url}${path}`, auth ? { headers: { authorization: `Bearer ${token}` } } : {});

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vision-api-'));
    edge = await startEdge({
      unitId: 'sp-paulista',
      port: 0,
      dataDir,
      adminPassword: PASSWORD,
      logger: silentLogger(),
      vision: { demoCamera: true, sampleEverySec: 1 },
    });
    const login = await fetch(`${edge.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'admin', password: PASSWORD }),
    });
    token = ((await login.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await edge?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('plays the demo camera, counts people on it and says so in status, /health and /metrics', async () => {
    const status = await until(async () => {
      const body = (await (await get('/api/v1/vision/status')).json()) as {
        state: string;
        cameras: { id: string; state: string; people?: number; counting: boolean }[];
      };
      return body.cameras[0]?.people !== undefined && body.cameras[0].people > 0 ? body : undefined;
    });
    expect(status.state).toBe('ok');
    expect(status.cameras).toHaveLength(1);
    expect(status.cameras[0]?.counting).toBe(true);
    const health = (await (await get('/health', false)).json()) as { status: string; reasons?: string[] };
    expect(health.status).toBe('ok');
    expect((health.reasons ?? []).filter((r) => r.startsWith('vision'))).toEqual([]);
    const metrics = await (await fetch(`${edge.url}/metrics`)).text();
    expect(metrics).toMatch(/gymedge_vision_camera_up\{camera="camera:[0-9A-Z]{26}"\} 1/);
    expect(metrics).toMatch(/gymedge_vision_model_loaded 1/);
  }, 90_000);

  it('serves the latest frame as JPEG with its overlay, only to signed-in staff', async () => {
    const { cameras } = (await (await get('/api/v1/vision/status')).json()) as { cameras: { id: string }[] };
    const id = cameras[0]?.id as string;
    expect((await get(`/api/v1/vision/cameras/${id}/frame.jpg`, false)).status).toBe(401);
    const frame = await get(`/api/v1/vision/cameras/${id}/frame.jpg`);
    expect(frame.status).toBe(200);
    expect(frame.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await frame.arrayBuffer());
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const overlay = JSON.parse(frame.headers.get('x-vision-overlay') ?? '{}') as { tracks: { id: number }[] };
    expect(overlay.tracks.length).toBeGreaterThan(0);
    expect((await get('/api/v1/vision/cameras/camera:nope/frame.jpg')).status).toBe(404);
  }, 90_000);

  it('lets a manager redraw the layout, validates it, and keeps counting', async () => {
    const { cameras } = (await (await get('/api/v1/vision/status')).json()) as { cameras: { id: string }[] };
    const id = cameras[0]?.id as string;
    const layout = (await (await get(`/api/v1/vision/cameras/${id}/layout`)).json()) as {
      zones: { id: string }[];
    };
    expect(layout.zones.map((z) => z.id)).toEqual(['walkway', 'lawn']);
    const put = (body: unknown) =>
      fetch(`${edge.url}/api/v1/vision/cameras/${id}/layout`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await put({
      zones: [
        {
          id: 'x',
          polygon: [
            [0, 0],
            [2, 0],
            [0, 1],
          ],
        },
      ],
      lines: [],
    });
    expect(bad.status).toBe(400);
    const good = await put({
      zones: [
        {
          id: 'all',
          name: 'Tudo',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        },
      ],
      lines: [],
    });
    expect(good.status).toBe(200);
    const zones = await until(async () => {
      const body = (await (await get('/api/v1/vision/status')).json()) as {
        cameras: { zones?: Record<string, number> }[];
      };
      const all = body.cameras[0]?.zones?.all;
      return all !== undefined && all > 0 ? body.cameras[0]?.zones : undefined;
    });
    expect(Object.keys(zones ?? {})).toEqual(['all']);
    expect(can('trainer', 'vision:configure')).toBe(false);
    expect(can('kiosk', 'vision:read')).toBe(false);
    expect(can('member', 'vision:read')).toBe(false);
  }, 90_000);

  it('stores counts and events for sync, and none of it is an image', async () => {
    const occupancy = await until(async () => {
      const rows = (await (await get('/api/v1/vision/occupancy?minutes=5')).json()) as {
        zoneId: string;
        maxPeople: number;
      }[];
      return rows.length > 0 ? rows : undefined;
    });
    expect(occupancy.some((r) => r.maxPeople > 0)).toBe(true);
    const db = edge.unit.db;
    const events = db.prepare("SELECT kind, payload FROM events WHERE kind LIKE 'vision.%'").all() as {
      kind: string;
      payload: string;
    }[];
    const samples = db.prepare('SELECT zone_id, people FROM occupancy_samples').all();
    const changes = db.prepare('SELECT bytes FROM change_log').all() as { bytes: Buffer }[];
    expect(events.length + samples.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(findImageBytes(Buffer.from(e.payload))).toBeUndefined();
      expect(e.payload.length).toBeLessThan(MAX_VISION_PAYLOAD_BYTES);
    }
    for (const c of changes) expect(findImageBytes(c.bytes)).toBeUndefined();
    // The check itself finds a real frame, raw or in base64 inside JSON, and not random binary.
    const { cameras } = (await (await get('/api/v1/vision/status')).json()) as { cameras: { id: string }[] };
    const frame = Buffer.from(
      await (await get(`/api/v1/vision/cameras/${cameras[0]?.id}/frame.jpg`)).arrayBuffer(),
    );
    expect(findImageBytes(Buffer.concat([Buffer.from('xx'), frame.subarray(0, 300)]))).toBe('jpeg');
    expect(findImageBytes(Buffer.from(JSON.stringify({ f: frame.toString('base64') })))).toBe('jpeg-base64');
    const random = Buffer.alloc(4_000_000);
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
    random.set([0xff, 0xd8, 0xff, 0x17], 1000); // a chance SOI in binary is not an image
    expect(findImageBytes(random)).toBeUndefined();
  }, 90_000);
});
