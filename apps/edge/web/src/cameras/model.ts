import { z } from 'zod';

export const EXERCISES = ['squat', 'push_up', 'lunge', 'biceps_curl', 'shoulder_press', 'deadlift'] as const;
export const ExerciseName = z.enum(EXERCISES);
export type ExerciseName = z.infer<typeof ExerciseName>;

export const ZoneReps = z.object({
  exercise: ExerciseName,
  count: z.number(),
  feedback: z.array(z.string()),
  active: z.boolean(),
});
export type ZoneReps = z.infer<typeof ZoneReps>;

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
  pose: z.object({ fps: z.number(), people: z.number() }).optional(),
  reps: z.record(z.string(), ZoneReps).optional(),
});
export type CameraStatus = z.infer<typeof CameraStatus>;

export const VisionStatus = z.object({
  state: z.enum(['ok', 'degraded', 'no_model', 'idle']),
  model: z.object({ ok: z.boolean(), reason: z.string().optional() }),
  pose: z
    .object({
      state: z.enum(['off', 'starting', 'ok', 'unavailable']),
      wanted: z.boolean(),
      reason: z.string().optional(),
    })
    .optional(),
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
      capacity: z.number().optional(),
      exercise: ExerciseName.optional(),
      polygon: z.array(Point),
    }),
  ),
  lines: z.array(z.object({ id: z.string(), name: z.string().optional(), from: Point, to: Point })),
  pose: z.object({ fps: z.number().optional(), maxPeople: z.number().optional() }).optional(),
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
  poses: z
    .array(
      z.object({ trackId: z.number(), landmarks: z.array(z.tuple([z.number(), z.number(), z.number()])) }),
    )
    .optional(),
  reps: z.record(z.string(), ZoneReps).optional(),
});
export type Overlay = z.infer<typeof Overlay>;

/** The bones drawn between BlazePose landmarks (face left out: a skeleton, not a face). */
export const BONES: readonly (readonly [number, number])[] = [
  [11, 12],
  [11, 13],
  [13, 15],
  [12, 14],
  [14, 16],
  [11, 23],
  [12, 24],
  [23, 24],
  [23, 25],
  [25, 27],
  [24, 26],
  [26, 28],
  [27, 31],
  [28, 32],
];

/** One part of the multipart MJPEG stream: the JPEG and its overlay header. */
export interface StreamPart {
  readonly jpeg: Uint8Array<ArrayBuffer>;
  readonly overlay?: string;
}

/**
 * Splits the bytes of a multipart/x-mixed-replace stream into parts by their Content-Length (JPEG data
 * may hold any byte, so the boundary is never searched for inside it).
 */
export class MultipartReader {
  private buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  push(chunk: Uint8Array): StreamPart[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    this.buffer = joined;
    const parts: StreamPart[] = [];
    for (;;) {
      const end = indexOfHeaderEnd(this.buffer);
      if (end < 0) break;
      const head = new TextDecoder().decode(this.buffer.subarray(0, end));
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? Number.NaN);
      if (!Number.isFinite(length)) {
        this.buffer = this.buffer.subarray(end + 4);
        continue;
      }
      if (this.buffer.length < end + 4 + length) break;
      const overlay = /x-vision-overlay:\s*(.*)/i.exec(head)?.[1]?.trim();
      parts.push({
        jpeg: this.buffer.slice(end + 4, end + 4 + length),
        ...(overlay ? { overlay } : {}),
      });
      this.buffer = this.buffer.subarray(end + 4 + length);
    }
    return parts;
  }
}

function indexOfHeaderEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++)
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  return -1;
}

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
  ctx.lineWidth = 3;
  for (const pose of overlay?.poses ?? []) {
    const seen = (i: number) => {
      const l = pose.landmarks[i];
      return l !== undefined && l[2] >= 0.5 ? l : undefined;
    };
    ctx.strokeStyle = '#36bffa';
    for (const [a, b] of BONES) {
      const pa = seen(a);
      const pb = seen(b);
      if (!pa || !pb) continue;
      ctx.beginPath();
      ctx.moveTo(pa[0] * width, pa[1] * height);
      ctx.lineTo(pb[0] * width, pb[1] * height);
      ctx.stroke();
    }
    ctx.fillStyle = '#ffffff';
    for (let i = 11; i < pose.landmarks.length; i++) {
      const l = seen(i);
      if (l) ctx.fillRect(l[0] * width - 2, l[1] * height - 2, 4, 4);
    }
  }
  ctx.lineWidth = 2;
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
