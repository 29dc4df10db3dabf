// No image leaves the unit: a real unit enrolled at a real HQ (its embedded broker), its demo camera
// playing real footage (vtest.avi) through the real detector, its sync link passing through a TCP proxy
// that records every byte the unit sends. Vision makes counts, events and an alert (the alert's landmarks
// are scripted, its snapshot is real); the test checks that they reached HQ, and that none of the bytes
// the unit sent holds an image (JPEG, PNG, GIF, WebP, their base64) or a payload the size of a frame.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdge } from '../src/edge-app.ts';
import { silentLogger } from '../src/lib/logger.ts';
import type { PoseBackend } from '../src/vision/live-pose.ts';
import { findImageBytes } from '../src/vision/privacy.ts';
import type { Box } from '../src/vision/types.ts';
import { NO_MODEL, NO_VTEST, signIn, skeleton, until } from './vision-support.ts';

const UNIT = 'sp-paulista';
const PASSWORD = 'mqtt privacy password 1';
/** A raw 640x480 grey frame; anything near it in one message would be pixels. */
const FRAME_BYTES = 640 * 480;

/** A TCP proxy in front of the broker that keeps every byte each side sends. */
async function captureProxy(
  target: number,
): Promise<{ port: number; sent: Buffer[]; close: () => Promise<void> }> {
  const sent: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      sent.push(Buffer.from(chunk));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
    upstream.connect(target, '127.0.0.1');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    sent,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The PUBLISH packets in an MQTT byte stream (3.1.1 or 5, as its CONNECT says): topic and payload. */
function publishes(stream: Buffer): { topic: string; payload: Buffer }[] {
  const found: { topic: string; payload: Buffer }[] = [];
  let version = 4;
  let p = 0;
  while (p < stream.length) {
    const type = (stream[p] ?? 0) >> 4;
    const flags = (stream[p] ?? 0) & 0x0f;
    let length = 0;
    let multiplier = 1;
    let q = p + 1;
    for (;;) {
      const byte = stream[q++] ?? 0;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) break;
    }
    const body = stream.subarray(q, q + length);
    if (body.length < length) throw new Error(`MQTT stream cut inside a packet at byte ${p}`);
    if (type === 1) version = body[2 + body.readUInt16BE(0)] ?? 4;
    if (type === 3) {
      const topicLength = body.readUInt16BE(0);
      const topic = body.subarray(2, 2 + topicLength).toString('utf8');
      let r = 2 + topicLength + (((flags >> 1) & 3) > 0 ? 2 : 0);
      if (version === 5) {
        let propertiesLength = 0;
        let m = 1;
        for (;;) {
          const byte = body[r++] ?? 0;
          propertiesLength += (byte & 0x7f) * m;
          m *= 128;
          if ((byte & 0x80) === 0) break;
        }
        r += propertiesLength;
      }
      found.push({ topic, payload: body.subarray(r) });
    }
    p = q + length;
  }
  return found;
}

/** Wrists overhead, then let go: one weight-dropped alert on the largest person of the demo camera. */
function droppingPose(): PoseBackend {
  let step = 0;
  return {
    async detectPeople(_jpeg: Buffer, boxes: readonly Box[]) {
      const wrists = step % 8 === 7 ? 'dropped' : 'up';
      step += 1;
      return { people: boxes.map((box, i) => (i === 0 ? skeleton(box, { wrists }) : undefined)), ms: 1 };
    },
    async close() {},
  };
}

describe.skipIf(NO_MODEL !== '' || NO_VTEST !== '')(
  `what the unit sends over MQTT ${NO_MODEL || NO_VTEST}`,
  () => {
    let dataDir: string;
    let hq: import('@gymedge/hq-sync').RunningHq;
    let edge: RunningEdge;
    let proxy: Awaited<ReturnType<typeof captureProxy>>;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'vision-mqtt-'));
      const { startHq, enrolUnit, writeCredentialsFile, CREDENTIALS_FILE_NAME } = await import(
        '@gymedge/hq-sync'
      );
      hq = await startHq({ dataDir, port: 0, mqttPort: 0, adminPassword: PASSWORD, logger: silentLogger() });
      proxy = await captureProxy(Number(new URL(hq.brokerUrl).port));
      const credentials = await enrolUnit(hq.registry, UNIT, { brokerUrl: `mqtt://127.0.0.1:${proxy.port}` });
      writeCredentialsFile(join(dataDir, UNIT, CREDENTIALS_FILE_NAME), credentials);
      edge = await startEdge({
        unitId: UNIT,
        port: 0,
        dataDir,
        adminPassword: PASSWORD,
        logger: silentLogger(),
        vision: { demoCamera: true, sampleEverySec: 1, pose: { start: async () => droppingPose() } },
      });
      // Pose at 5 frames a second on the largest person: the weight-dropped rule needs ≥ 5 (docs/vision.md).
      const token = await signIn(edge.url, PASSWORD);
      const auth = { authorization: `Bearer ${token}` };
      const { cameras } = (await (
        await fetch(`${edge.url}/api/v1/vision/status`, { headers: auth })
      ).json()) as {
        cameras: { id: string }[];
      };
      const layoutUrl = `${edge.url}/api/v1/vision/cameras/${cameras[0]?.id}/layout`;
      const layout = (await (await fetch(layoutUrl, { headers: auth })).json()) as Record<string, unknown>;
      const put = await fetch(layoutUrl, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ ...layout, pose: { fps: 5, maxPeople: 1 } }),
      });
      if (!put.ok) throw new Error(`layout: ${put.status} ${await put.text()}`);
    }, 120_000);
    afterAll(async () => {
      await edge?.stop();
      await proxy?.close();
      await hq?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }, 90_000);

    it('ships counts, events and the alert to HQ, and no byte it sent is an image', async () => {
      // What vision made reached HQ: people counted per zone, line crossings or zone events, the alert.
      let seen: unknown;
      const atHq = await until(
        'occupancy, vision events and the alert at HQ',
        async () => {
          const samples = hq.store.db
            .prepare('SELECT count(*) AS n, max(people) AS most FROM occupancy_samples WHERE unit_id = ?')
            .get(UNIT) as { n: number; most: number | null };
          const events = hq.store.db
            .prepare("SELECT count(*) AS n FROM events WHERE unit_id = ? AND kind LIKE 'vision.%'")
            .get(UNIT) as { n: number };
          const alerts = hq.store.store
            .idsOfType('alert')
            .map((id) => hq.store.store.get(id) as { title: string; detail?: string } | undefined)
            .filter((a) => a?.title.startsWith('Peso largado'));
          seen = {
            samples,
            events,
            alerts: alerts.length,
            unitAlerts: edge.unit.store.idsOfType('alert').length,
          };
          return samples.n > 0 && (samples.most ?? 0) > 0 && events.n > 0 && alerts.length > 0
            ? { samples, events, alert: alerts[0] }
            : undefined;
        },
        90_000,
      ).catch(async (error: Error) => {
        const health = await (await fetch(`${edge.url}/health`)).json();
        throw new Error(`${error.message}: ${JSON.stringify(seen)}; unit health ${JSON.stringify(health)}`);
      });
      expect(atHq.alert?.detail).toMatch(/Snapshot \(faces blurred, kept on this unit only\)/);
      // The snapshot exists, on the unit only.
      const token = await signIn(edge.url, PASSWORD);
      const status = (await (
        await fetch(`${edge.url}/api/v1/vision/status`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { cameras: { id: string }[] };
      const frame = Buffer.from(
        await (
          await fetch(`${edge.url}/api/v1/vision/cameras/${status.cameras[0]?.id}/frame.jpg`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).arrayBuffer(),
      );
      // The check would see a frame had one been sent (raw, or as base64 in JSON).
      expect(findImageBytes(Buffer.concat([Buffer.from('mqtt'), frame]))).toBe('jpeg');
      expect(findImageBytes(Buffer.from(JSON.stringify({ image: frame.toString('base64') })))).toBe(
        'jpeg-base64',
      );

      const bytes = Buffer.concat(proxy.sent);
      expect(bytes.length).toBeGreaterThan(1000);
      expect(findImageBytes(bytes)).toBeUndefined();
      const packets = publishes(bytes);
      const topics = new Set(packets.map((p) => p.topic));
      expect([...topics].some((t) => t.startsWith('gymedge/v1/'))).toBe(true);
      for (const packet of packets) {
        expect(findImageBytes(packet.payload), packet.topic).toBeUndefined();
        // Base64 inside JSON is the other way pixels could travel: decode every long base64 run and look again.
        for (const run of packet.payload.toString('latin1').match(/[A-Za-z0-9+/]{64,}={0,2}/g) ?? [])
          expect(findImageBytes(Buffer.from(run, 'base64')), packet.topic).toBeUndefined();
        expect(packet.payload.length, packet.topic).toBeLessThan(FRAME_BYTES / 4);
      }
    }, 120_000);
  },
);
