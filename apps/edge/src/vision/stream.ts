import type { Writable } from 'node:stream';

/** Boundary of the multipart MJPEG stream of a camera. */
export const STREAM_BOUNDARY = 'gymedge-frame';

/** One multipart part: headers (Content-Type, Content-Length, X-Vision-Overlay as JSON), the JPEG, CRLF. */
export function streamPart(jpeg: Buffer, overlay: unknown): Buffer {
  const head = [
    `--${STREAM_BOUNDARY}`,
    'Content-Type: image/jpeg',
    `Content-Length: ${jpeg.length}`,
    // JSON.stringify never writes CR or LF, so the overlay is one header line.
    ...(overlay === undefined ? [] : [`X-Vision-Overlay: ${JSON.stringify(overlay)}`]),
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'utf8'), jpeg, Buffer.from('\r\n')]);
}

/** What one viewer's stream did: parts written, frames skipped because the viewer was slow. */
export interface FrameStreamStats {
  sent: number;
  dropped: number;
  /** The most bytes the writable held unsent after a write (bounded by its high-water mark + one part). */
  maxBuffered: number;
}

/**
 * Writes a camera's frames to one viewer with back-pressure: while the writable is full, only the newest
 * frame is kept (the others are dropped and counted), and it is written on `drain`. So a slow viewer gets
 * fewer frames, never a growing buffer. Frames closer together than `minGapMs` are skipped (rate cap).
 */
export class FrameStream {
  readonly stats: FrameStreamStats = { sent: 0, dropped: 0, maxBuffered: 0 };
  private waiting = false;
  private latest: { jpeg: Buffer; overlay: unknown } | undefined;
  private lastSent = 0;
  private ended = false;

  private readonly minGapMs: number;
  constructor(
    private readonly out: Writable,
    private readonly options: {
      readonly minGapMs?: number;
      readonly onSent?: () => void;
      readonly onDrop?: () => void;
    } = {},
  ) {
    this.minGapMs = options.minGapMs ?? 0;
  }

  /** Offers the newest frame; returns whether it was written now. */
  offer(jpeg: Buffer, overlay: unknown): boolean {
    if (this.ended) return false;
    if (this.waiting) {
      if (this.latest !== undefined) this.drop();
      this.latest = { jpeg, overlay };
      return false;
    }
    if (Date.now() - this.lastSent < this.minGapMs) return false;
    this.write(jpeg, overlay);
    return true;
  }

  end(): void {
    this.ended = true;
    this.latest = undefined;
  }

  private drop(): void {
    this.stats.dropped += 1;
    this.options.onDrop?.();
  }

  private write(jpeg: Buffer, overlay: unknown): void {
    this.lastSent = Date.now();
    this.stats.sent += 1;
    this.options.onSent?.();
    const ok = this.out.write(streamPart(jpeg, overlay));
    this.stats.maxBuffered = Math.max(this.stats.maxBuffered, this.out.writableLength);
    if (ok) return;
    this.waiting = true;
    this.out.once('drain', () => {
      this.waiting = false;
      const next = this.latest;
      this.latest = undefined;
      if (next && !this.ended) this.write(next.jpeg, next.overlay);
    });
  }
}
