import { z } from 'zod';

/** What GET /api/v1/vision/status answers (checked at the boundary). */
export const CameraStatus = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(['starting', 'running', 'reconnecting', 'stopped']),
  counting: z.boolean(),
  fps: z.number(),
  dropped: z.number(),
  reconnects: z.number(),
  lastError: z.string().optional(),
  people: z.number().optional(),
  zones: z.record(z.string(), z.number()).optional(),
});
export type CameraStatus = z.infer<typeof CameraStatus>;

export const VisionStatus = z.object({
  state: z.enum(['ok', 'degraded', 'no_model', 'idle']),
  model: z.object({ ok: z.boolean(), reason: z.string().optional() }),
  cameras: z.array(CameraStatus),
});
export type VisionStatus = z.infer<typeof VisionStatus>;

const Point = z.tuple([z.number(), z.number()]);
export const ZoneKind = z.enum(['floor', 'equipment', 'no_seat', 'entrance']);
export type ZoneKind = z.infer<typeof ZoneKind>;

export const Layout = z.object({
  zones: z.array(
    z.object({
      id: z.string(),
      name: z.string().optional(),
      kind: ZoneKind.optional(),
      polygon: z.array(Point),
    }),
  ),
  lines: z.array(z.object({ id: z.string(), name: z.string().optional(), from: Point, to: Point })),
});
export type Layout = z.infer<typeof Layout>;

export const Overlay = z.object({
  frame: z.number(),
  people: z.number(),
  tracks: z.array(
    z.object({
      id: z.number(),
      x: z.number(),
      y: z.number(),
      w: z.number(),
      h: z.number(),
      confirmed: z.boolean(),
    }),
  ),
  zones: z.record(z.string(), z.number()),
});
export type Overlay = z.infer<typeof Overlay>;

export const Alerts = z.array(
  z.object({
    id: z.string(),
    kind: z.string(),
    severity: z.string(),
    title: z.string(),
    detail: z.string().optional(),
    raisedAt: z.string(),
  }),
);
export type Alerts = z.infer<typeof Alerts>;

const ZONE_COLOURS = ['#2e90fa', '#f79009', '#12b76a', '#ee46bc', '#7a5af8', '#f04438'];
export function zoneColour(index: number): string {
  return ZONE_COLOURS[index % ZONE_COLOURS.length] ?? '#2e90fa';
}

function tracePath(
  ctx: CanvasRenderingContext2D,
  points: readonly (readonly [number, number])[],
  width: number,
  height: number,
): void {
  points.forEach(([x, y], j) => {
    if (j === 0) ctx.moveTo(x * width, y * height);
    else ctx.lineTo(x * width, y * height);
  });
}

/** Draws a frame's overlay: zones (filled polygons), lines (arrows), people boxes with track ids. */
export function drawOverlay(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  layout: Layout | undefined,
  overlay: Overlay | undefined,
  draft: readonly (readonly [number, number])[],
): void {
  ctx.lineWidth = 2;
  ctx.font = 'bold 13px system-ui, sans-serif';
  (layout?.zones ?? []).forEach((zone, i) => {
    const colour = zoneColour(i);
    ctx.beginPath();
    tracePath(ctx, zone.polygon, width, height);
    ctx.closePath();
    ctx.fillStyle = `${colour}33`;
    ctx.strokeStyle = colour;
    ctx.fill();
    ctx.stroke();
    const [lx, ly] = zone.polygon[0] ?? [0, 0];
    ctx.fillStyle = colour;
    const count = overlay?.zones[zone.id];
    ctx.fillText(
      `${zone.name ?? zone.id}${count === undefined ? '' : `: ${count}`}`,
      lx * width + 4,
      ly * height + 16,
    );
  });
  for (const line of layout?.lines ?? []) {
    const [x1, y1] = [line.from[0] * width, line.from[1] * height];
    const [x2, y2] = [line.to[0] * width, line.to[1] * height];
    ctx.strokeStyle = '#fdb022';
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
    const angle = Math.atan2(y2 - y1, x2 - x1);
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - 12 * Math.cos(angle - 0.4), y2 - 12 * Math.sin(angle - 0.4));
    ctx.lineTo(x2 - 12 * Math.cos(angle + 0.4), y2 - 12 * Math.sin(angle + 0.4));
    ctx.closePath();
    ctx.fillStyle = '#fdb022';
    ctx.fill();
    ctx.fillText(line.name ?? line.id, (x1 + x2) / 2 + 6, (y1 + y2) / 2);
  }
  ctx.lineWidth = 2;
  for (const track of overlay?.tracks ?? []) {
    ctx.strokeStyle = track.confirmed ? '#32d583' : '#98a2b3';
    ctx.setLineDash(track.confirmed ? [] : [4, 3]);
    ctx.strokeRect(track.x * width, track.y * height, track.w * width, track.h * height);
    ctx.setLineDash([]);
    if (track.confirmed) {
      const label = `#${track.id}`;
      ctx.fillStyle = '#054f31';
      ctx.fillRect(track.x * width, track.y * height - 16, ctx.measureText(label).width + 6, 16);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(label, track.x * width + 3, track.y * height - 3);
    }
  }
  if (draft.length > 0) {
    ctx.strokeStyle = '#f04438';
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    tracePath(ctx, draft, width, height);
    ctx.stroke();
    ctx.setLineDash([]);
    for (const [x, y] of draft) {
      ctx.fillStyle = '#f04438';
      ctx.fillRect(x * width - 3, y * height - 3, 6, 6);
    }
  }
}
