import type { Database } from 'better-sqlite3';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Exercise } from '../../vision/exercises.ts';
import { sampleZoneId } from '../../vision/service.ts';
import { FrameStream, STREAM_BOUNDARY } from '../../vision/stream.ts';
import type { UnitVision } from '../../vision/unit-vision.ts';
import { HttpProblem } from '../problems.ts';

/** What the vision routes read. */
export interface VisionRoutesDeps {
  readonly vision: UnitVision;
  readonly db: Database;
  /** Recent alert documents, newest first (the staff console's inbox shows them too). */
  readonly alerts: (limit: number) => readonly VisionAlertView[];
}

export const VisionAlertView = z.object({
  id: z.string(),
  kind: z.string(),
  severity: z.string(),
  title: z.string(),
  detail: z.string().optional(),
  cameraId: z.string().optional(),
  raisedAt: z.string(),
  acknowledgedAt: z.string().optional(),
});
export type VisionAlertView = z.infer<typeof VisionAlertView>;

const Point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);
const Slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w:.-]+$/, 'letters, digits, _ : . - only');
const Name = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[^<>{}\\\p{Cc}]*$/u, 'must not contain <, >, {, }, \\ or control characters');

/** A camera's zones and lines as the editor sends them: normalised coordinates only. */
export const LayoutBody = z.strictObject({
  zones: z
    .array(
      z.strictObject({
        id: Slug,
        name: Name.optional(),
        kind: z.enum(['floor', 'equipment', 'no_seat', 'entrance']).optional(),
        capacity: z.number().int().positive().max(10_000).optional(),
        exercise: Exercise.optional(),
        polygon: z.array(Point).min(3).max(32),
      }),
    )
    .max(16),
  lines: z.array(z.strictObject({ id: Slug, name: Name.optional(), from: Point, to: Point })).max(8),
  pose: z
    .strictObject({
      fps: z.number().min(0.2).max(30).optional(),
      maxPeople: z.number().int().min(1).max(8).optional(),
    })
    .optional(),
});

const ZoneRepsView = z.object({
  exercise: Exercise,
  count: z.number(),
  feedback: z.array(z.string()).readonly(),
  active: z.boolean(),
});

const CameraHealthView = z.object({
  id: z.string(),
  name: z.string(),
  source: z.string(),
  state: z.string(),
  counting: z.boolean(),
  fps: z.number(),
  framesIn: z.number(),
  framesAnalysed: z.number(),
  dropped: z.number(),
  reconnects: z.number(),
  lastError: z.string().optional(),
  lastFrameAt: z.string().optional(),
  people: z.number().optional(),
  pose: z.object({ fps: z.number(), people: z.number(), framesAnalysed: z.number() }).optional(),
  reps: z.record(z.string(), ZoneRepsView).optional(),
  /** Live streams of this camera: viewers now, frames sent, frames skipped for slow viewers. */
  stream: z.object({ clients: z.number(), sent: z.number(), dropped: z.number() }).optional(),
});

const VisionStatus = z.object({
  state: z.enum(['ok', 'degraded', 'no_model', 'idle']),
  model: z.object({
    ok: z.boolean(),
    reason: z.string().optional(),
    inputWidth: z.number().optional(),
    inputHeight: z.number().optional(),
  }),
  pose: z.object({
    state: z.enum(['off', 'starting', 'ok', 'unavailable']),
    wanted: z.boolean(),
    model: z.enum(['lite', 'full']),
    reason: z.string().optional(),
    framesAnalysed: z.number(),
    dropped: z.number(),
    modelMs: z.number(),
  }),
  cameras: z.array(CameraHealthView.extend({ zones: z.record(z.string(), z.number()).optional() })),
});

const CameraParams = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .regex(/^[\w:.-]+$/),
});

/**
 * Whether an address is on the unit's own network: loopback, RFC 1918, link-local, unique-local IPv6.
 * Frames are served only to those; counts and alerts follow the normal permissions.
 */
export function isLocalAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  const parts = v4.split('.').map(Number);
  if (parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)) {
    const [a, b] = parts as [number, number, number, number];
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254)
    );
  }
  const lower = ip.toLowerCase();
  return lower === '::1' || /^f[cd][0-9a-f]{2}:/.test(lower) || /^fe[89ab][0-9a-f]:/.test(lower);
}

/**
 * Whether a request may see frames: it comes from the unit's own network and, when it passed through a
 * proxy (X-Forwarded-For / Forwarded), every address the proxy names is local too (a reverse proxy on
 * the unit must not carry frames to the internet looking like a loopback client).
 */
export function framesAllowed(
  ip: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): boolean {
  if (!isLocalAddress(ip)) return false;
  const forwarded: string[] = [];
  const xff = headers['x-forwarded-for'];
  for (const value of Array.isArray(xff) ? xff : xff === undefined ? [] : [xff])
    forwarded.push(...value.split(',').map((v) => v.trim()));
  const standard = headers.forwarded;
  for (const value of Array.isArray(standard) ? standard : standard === undefined ? [] : [standard])
    for (const match of value.matchAll(/for="?\[?([^\]";,]+)/gi)) if (match[1]) forwarded.push(match[1]);
  return forwarded.every((address) => address !== '' && isLocalAddress(address.replace(/:\d+$/, '')));
}

/** Streams a unit serves at once (each costs a socket and a JPEG in flight). */
export const MAX_STREAMS = 16;

/** The camera monitor's API: status, cameras, live frames (local network only), layouts, occupancy, alerts. */
export function visionRoutes(deps: VisionRoutesDeps): FastifyPluginAsyncZod {
  const occupancy = deps.db.prepare(
    `SELECT zone_id AS zoneId, count(*) AS samples, avg(people) AS meanPeople, max(people) AS maxPeople, max(at) AS lastAt
       FROM occupancy_samples WHERE at >= ? GROUP BY zone_id ORDER BY zone_id`,
  );
  const streams = new Set<{ end: () => void }>();
  const streamStats = new Map<string, { clients: number; sent: number; dropped: number }>();
  const statsOf = (id: string) => {
    let stats = streamStats.get(id);
    if (stats === undefined) {
      stats = { clients: 0, sent: 0, dropped: 0 };
      streamStats.set(id, stats);
    }
    return stats;
  };
  return async (app) => {
    // Streams never end on their own: end them before the server waits for its connections to close.
    app.addHook('preClose', async () => {
      for (const stream of streams) stream.end();
    });
    const cameraOr404 = (id: string) => {
      const camera = deps.vision.service.camera(id);
      if (camera === undefined) throw new HttpProblem(404, `There is no camera ${id} at this unit.`);
      return camera;
    };

    app.get(
      '/api/v1/vision/status',
      {
        config: { permission: 'vision:read' },
        schema: {
          tags: ['vision'],
          summary: 'Vision health: model, cameras, people per zone',
          description:
            'state no_model means nobody is being counted (the detector is missing or was refused); the reason says why. pose.state unavailable (with a reason) while pose.wanted means no skeletons, rep counts or landmark safety rules.',
          response: { 200: VisionStatus },
        },
      },
      async () => {
        const health = deps.vision.service.health();
        return {
          ...health,
          model: health.model.ok
            ? { ok: true, inputWidth: health.model.inputWidth, inputHeight: health.model.inputHeight }
            : { ok: false, reason: health.model.reason },
          cameras: health.cameras.map((c) => {
            const overlay = deps.vision.service.camera(c.id)?.overlay;
            const stats = streamStats.get(c.id);
            return {
              ...c,
              ...(overlay ? { zones: { ...overlay.zones } } : {}),
              ...(stats ? { stream: { ...stats } } : {}),
            };
          }),
        };
      },
    );

    app.get(
      '/api/v1/vision/cameras/:id/frame.jpg',
      {
        config: { permission: 'vision:read' },
        schema: {
          tags: ['vision'],
          summary: 'The latest frame of a camera (JPEG), with its overlay in the x-vision-overlay header',
          description:
            'Only for clients on the unit’s own network (loopback, private addresses): frames never leave the building.',
          params: CameraParams,
        },
      },
      async (request, reply) => {
        if (!framesAllowed(request.ip, request.headers)) {
          throw new HttpProblem(403, 'Camera frames are shown only on the unit’s own network.');
        }
        const camera = cameraOr404(request.params.id);
        if (camera.jpeg === undefined)
          throw new HttpProblem(
            503,
            `Camera ${camera.config.name} has no frame yet (${camera.health.state}).`,
          );
        reply.header('cache-control', 'no-store');
        if (camera.overlay) reply.header('x-vision-overlay', JSON.stringify(camera.overlay));
        return reply.type('image/jpeg').send(camera.jpeg);
      },
    );

    app.get(
      '/api/v1/vision/cameras/:id/stream',
      {
        config: { permission: 'vision:read' },
        schema: {
          tags: ['vision'],
          summary: 'Live frames of a camera: multipart/x-mixed-replace MJPEG, each part with its overlay',
          description:
            'Each part is a JPEG with headers Content-Length and X-Vision-Overlay (the overlay as JSON: boxes, track ids, people per zone, skeletons, reps). A viewer that reads slower than the camera gets fewer frames (the newest), never a growing buffer. Only for clients on the unit’s own network.',
          params: CameraParams,
          querystring: z.object({ fps: z.coerce.number().min(0.5).max(30).default(10) }),
        },
      },
      async (request, reply) => {
        if (!framesAllowed(request.ip, request.headers)) {
          throw new HttpProblem(403, 'Camera frames are shown only on the unit’s own network.');
        }
        const id = request.params.id;
        const camera = cameraOr404(id);
        if (streams.size >= MAX_STREAMS)
          throw new HttpProblem(503, `This unit already serves ${MAX_STREAMS} camera streams; close one.`);
        const stats = statsOf(id);
        const raw = reply.raw;
        reply.hijack();
        raw.writeHead(200, {
          'content-type': `multipart/x-mixed-replace; boundary=${STREAM_BOUNDARY}`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          connection: 'keep-alive',
        });
        const stream = new FrameStream(raw, {
          minGapMs: 1000 / request.query.fps,
          onSent: () => {
            stats.sent += 1;
          },
          onDrop: () => {
            stats.dropped += 1;
          },
        });
        const offer = (jpeg: Buffer, overlay: unknown) => {
          stream.offer(jpeg, overlay);
        };
        let ended = false;
        const entry = {
          end: () => {
            if (ended) return;
            ended = true;
            stream.end();
            unsubscribe?.();
            streams.delete(entry);
            stats.clients -= 1;
            raw.end();
          },
        };
        streams.add(entry);
        stats.clients += 1;
        const unsubscribe = deps.vision.service.subscribe(id, offer);
        raw.on('close', entry.end);
        raw.on('error', entry.end);
        // The newest frame at once, so the screen is not blank until the next one.
        if (camera.jpeg) offer(camera.jpeg, camera.overlay);
      },
    );

    app.get(
      '/api/v1/vision/cameras/:id/layout',
      {
        config: { permission: 'vision:read' },
        schema: {
          tags: ['vision'],
          summary: 'Zones and counting lines of a camera (normalised 0-1)',
          params: CameraParams,
          response: { 200: LayoutBody },
        },
      },
      async (request) => {
        cameraOr404(request.params.id);
        return LayoutBody.parse(deps.vision.layout(request.params.id));
      },
    );

    app.put(
      '/api/v1/vision/cameras/:id/layout',
      {
        config: { permission: 'vision:configure' },
        schema: {
          tags: ['vision'],
          summary: 'Replace the zones and counting lines of a camera',
          description: 'Kept on this unit; counting restarts with the new layout at once.',
          params: CameraParams,
          body: LayoutBody,
          response: { 200: LayoutBody },
        },
      },
      async (request) => {
        cameraOr404(request.params.id);
        deps.vision.saveLayout(request.params.id, request.body);
        return request.body;
      },
    );

    app.get(
      '/api/v1/vision/occupancy',
      {
        config: { permission: 'vision:read' },
        schema: {
          tags: ['vision'],
          summary: 'Occupancy per zone over the last minutes (what syncs to HQ: counts, never images)',
          querystring: z.object({
            minutes: z.coerce
              .number()
              .int()
              .min(1)
              .max(7 * 24 * 60)
              .default(60),
          }),
          response: {
            200: z.array(
              z.object({
                zoneId: z.string(),
                /** Camera and zone names, for a zone of a camera's layout (its id is hashed from them). */
                label: z.string().optional(),
                samples: z.number(),
                meanPeople: z.number(),
                maxPeople: z.number(),
                lastAt: z.string(),
              }),
            ),
          },
        },
      },
      async (request) => {
        const since = new Date(Date.now() - request.query.minutes * 60_000).toISOString();
        const rows = occupancy.all(since) as {
          zoneId: string;
          samples: number;
          meanPeople: number;
          maxPeople: number;
          lastAt: string;
        }[];
        const labels = new Map<string, string>();
        for (const id of deps.vision.service.cameraIds()) {
          const camera = deps.vision.service.camera(id);
          if (camera === undefined) continue;
          labels.set(id, camera.config.name);
          for (const zone of camera.config.zones)
            labels.set(sampleZoneId(id, zone.id), `${camera.config.name} / ${zone.name}`);
        }
        return rows.map((r) => {
          const label = labels.get(r.zoneId);
          return { ...r, ...(label ? { label } : {}), meanPeople: Math.round(r.meanPeople * 10) / 10 };
        });
      },
    );

    app.get(
      '/api/v1/vision/alerts',
      {
        config: { permission: 'vision:read' },
        schema: {
          tags: ['vision'],
          summary: 'Recent vision alerts (alert documents), newest first',
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
          response: { 200: z.array(VisionAlertView) },
        },
      },
      async (request) => [...deps.alerts(request.query.limit)],
    );
  };
}
