import type { Database } from 'better-sqlite3';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
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
        polygon: z.array(Point).min(3).max(32),
      }),
    )
    .max(16),
  lines: z.array(z.strictObject({ id: Slug, name: Name.optional(), from: Point, to: Point })).max(8),
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
});

const VisionStatus = z.object({
  state: z.enum(['ok', 'degraded', 'no_model', 'idle']),
  model: z.object({
    ok: z.boolean(),
    reason: z.string().optional(),
    inputWidth: z.number().optional(),
    inputHeight: z.number().optional(),
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

/** The camera monitor's API: status, cameras, live frames (local network only), layouts, occupancy, alerts. */
export function visionRoutes(deps: VisionRoutesDeps): FastifyPluginAsyncZod {
  const occupancy = deps.db.prepare(
    `SELECT zone_id AS zoneId, count(*) AS samples, avg(people) AS meanPeople, max(people) AS maxPeople, max(at) AS lastAt
       FROM occupancy_samples WHERE at >= ? GROUP BY zone_id ORDER BY zone_id`,
  );
  return async (app) => {
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
            'state no_model means nobody is being counted (the detector is missing or was refused); the reason says why.',
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
            return { ...c, ...(overlay ? { zones: { ...overlay.zones } } : {}) };
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
        if (!isLocalAddress(request.ip)) {
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
        return rows.map((r) => ({ ...r, meanPeople: Math.round(r.meanPeople * 10) / 10 }));
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
