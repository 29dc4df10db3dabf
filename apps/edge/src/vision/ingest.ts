import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';

/** One decoded frame: the detector's input (bgr24 at a fixed size) and, when asked for, a preview JPEG. */
export interface Frame {
  /** 0-based index of this frame in the decoded (rate-capped) stream. */
  readonly index: number;
  /** Seconds since the start of the stream: index / output frame rate. */
  readonly timeSec: number;
  readonly bgr: Buffer;
  readonly width: number;
  readonly height: number;
}

/** What ffmpeg said about the input before the first frame. */
export interface StreamInfo {
  readonly sourceWidth?: number;
  readonly sourceHeight?: number;
  /** Frame rate of the output pipe (the cap, or the source's own rate). */
  readonly fps: number;
  /** Duration of a file in seconds, when ffmpeg knows it. */
  readonly durationSec?: number;
}

/** How to read one camera or file. */
export interface IngestOptions {
  /** A file path (mp4, avi, …) or an rtsp:// / http(s):// URL. */
  readonly source: string;
  /** Size of the bgr24 frames handed to the detector (the whole frame is stretched to it). */
  readonly width: number;
  readonly height: number;
  /** Frame-rate cap; frames are dropped by ffmpeg's fps filter. Default: the source's own rate. */
  readonly fps?: number;
  /** Read a file at its native speed, as a camera would deliver it (the demo). */
  readonly realtime?: boolean;
  /** Loop a file forever (the demo camera). */
  readonly loop?: boolean;
  /** Also write a JPEG preview stream (fd 3) at this size, for the camera screen. */
  readonly preview?: { readonly width: number; readonly height?: number; readonly quality?: number };
  /** Socket/read timeout for live streams; default 5 s. */
  readonly timeoutMs?: number;
  /** The ffmpeg binary; default: {@link ffmpegPath}. */
  readonly ffmpeg?: string;
}

/** Why reading a source failed, in words a person can act on. */
export class IngestError extends Error {
  override readonly name = 'IngestError';
}

const require = createRequire(import.meta.url);

/**
 * The ffmpeg binary: `GYMEDGE_FFMPEG` when set (e.g. the system's /usr/bin/ffmpeg), else the one
 * shipped inside the @ffmpeg-installer/ffmpeg npm package.
 */
export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GYMEDGE_FFMPEG) return env.GYMEDGE_FFMPEG;
  const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
  return installer.path;
}

export function isLiveSource(source: string): boolean {
  return /^(rtsp|rtsps|rtmp|http|https|udp|tcp):\/\//i.test(source);
}

/** The ffmpeg arguments for a source; exported so tests and docs can show them. */
export function ffmpegArgs(options: IngestOptions): string[] {
  const live = isLiveSource(options.source);
  const timeoutUs = String((options.timeoutMs ?? 5000) * 1000);
  const input: string[] = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];
  if (live && /^rtsps?:/i.test(options.source)) input.push('-rtsp_transport', 'tcp', '-stimeout', timeoutUs);
  else if (live && /^https?:/i.test(options.source)) input.push('-rw_timeout', timeoutUs);
  if (!live && options.realtime) input.push('-re');
  if (!live && options.loop) input.push('-stream_loop', '-1');
  input.push('-i', options.source, '-an', '-sn', '-dn');
  const rate = options.fps === undefined ? '' : `fps=${options.fps},`;
  const detect = `scale=${options.width}:${options.height}:flags=bilinear,format=bgr24`;
  if (options.preview === undefined) {
    return [...input, '-vf', `${rate}${detect}`, '-f', 'rawvideo', 'pipe:1'];
  }
  const p = options.preview;
  const graph = `[0:v]${rate}split=2[d][p];[d]${detect}[dout];[p]scale=${p.width}:${p.height ?? -2},format=yuvj420p[pout]`;
  return [
    ...input,
    '-filter_complex',
    graph,
    '-map',
    '[dout]',
    '-f',
    'rawvideo',
    'pipe:1',
    '-map',
    '[pout]',
    '-q:v',
    String(p.quality ?? 7),
    '-f',
    'mjpeg',
    'pipe:3',
  ];
}

/** Splits an MJPEG byte stream into JPEG images (SOI … EOI; ffmpeg's encoder stuffs 0xFF in the data). */
export class JpegSplitter {
  private pending: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const images: Buffer[] = [];
    for (;;) {
      const start = this.pending.indexOf(SOI);
      if (start < 0) {
        this.pending = Buffer.alloc(0);
        break;
      }
      const end = this.pending.indexOf(EOI, start + 2);
      if (end < 0) {
        if (start > 0) this.pending = this.pending.subarray(start);
        break;
      }
      images.push(Buffer.from(this.pending.subarray(start, end + 2)));
      this.pending = this.pending.subarray(end + 2);
    }
    return images;
  }
}
/** Width and height from a baseline/progressive JPEG's SOF marker. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } {
  let i = 2;
  while (i + 9 < jpeg.length) {
    if (jpeg[i] !== 0xff) {
      i += 1;
      continue;
    }
    const marker = jpeg[i + 1] ?? 0;
    const length = jpeg.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3)
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  return { width: 640, height: 480 };
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

function parseInfo(stderr: string, cap: number | undefined): StreamInfo | undefined {
  // Only complete lines: a chunk boundary can cut the stream line before its frame rate.
  const complete = stderr.slice(0, stderr.lastIndexOf('\n') + 1);
  const line = complete.split('\n').find((l) => /Stream #\d+:\d+.*Video:/.test(l));
  if (line === undefined) return undefined;
  const size = /\b(\d{2,5})x(\d{2,5})\b/.exec(line);
  const rate = /([\d.]+) fps/.exec(line) ?? /([\d.]+) tbr/.exec(line);
  const sourceFps = rate ? Number(rate[1]) : Number.NaN;
  const fps = cap ?? (Number.isFinite(sourceFps) && sourceFps > 0 && sourceFps <= 240 ? sourceFps : 25);
  const duration = /Duration: (\d+):(\d+):([\d.]+)/.exec(stderr);
  return {
    ...(size ? { sourceWidth: Number(size[1]), sourceHeight: Number(size[2]) } : {}),
    ...(duration
      ? { durationSec: Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) }
      : {}),
    fps,
  };
}

/** The last meaningful line ffmpeg wrote, as the reason a source failed. */
function lastError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l.length > 0 &&
        !/^(Input|Output|Stream|Metadata|Duration|encoder|Side data|Press|frame=|\[.*\] *$)/.test(l),
    );
  const errorLine = [...lines]
    .reverse()
    .find((l) => /error|invalid|no such|refused|timed out|failed|not found|unable|could not/i.test(l));
  return (errorLine ?? lines.at(-1) ?? 'ffmpeg stopped').slice(0, 300);
}

/**
 * A running ffmpeg decode of one source. Iterate {@link frames} (with back-pressure: ffmpeg waits while
 * the consumer works, so a file is analysed frame by frame); JPEG previews arrive through `onPreview`.
 */
export class FrameReader {
  private readonly child: ChildProcess;
  private stderr = '';
  private infoValue: StreamInfo | undefined;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private killed = false;
  private infoReady: Promise<void>;
  private markInfoReady: () => void = () => undefined;

  constructor(
    readonly options: IngestOptions,
    onPreview?: (jpeg: Buffer) => void,
  ) {
    if (!isLiveSource(options.source) && !existsSync(options.source)) {
      throw new IngestError(`video file not found: ${options.source}`);
    }
    this.infoReady = new Promise((resolve) => {
      this.markInfoReady = resolve;
    });
    const bin = options.ffmpeg ?? ffmpegPath();
    this.child = spawn(bin, ffmpegArgs(options), {
      stdio: ['ignore', 'pipe', 'pipe', ...(options.preview ? (['pipe'] as const) : [])],
    });
    this.exit = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.stderr += `\nffmpeg could not start (${bin}): ${error.message}`;
        resolve({ code: -1, signal: null });
      });
      this.child.once('close', (code, signal) => resolve({ code, signal }));
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (text: string) => {
      // Keep the head (stream info) and the tail (the error), never an unbounded log.
      this.stderr =
        this.stderr.length < 16_384 ? this.stderr + text : this.stderr.slice(0, 8192) + text.slice(-8192);
      if (this.infoValue === undefined) {
        this.infoValue = parseInfo(this.stderr, options.fps);
        if (this.infoValue !== undefined) this.markInfoReady();
      }
    });
    const previewStream = this.child.stdio[3] as Readable | null | undefined;
    if (previewStream && onPreview) {
      const splitter = new JpegSplitter();
      previewStream.on('data', (chunk: Buffer) => {
        for (const jpeg of splitter.push(chunk)) onPreview(jpeg);
      });
    } else previewStream?.resume();
  }

  /** Stream info once ffmpeg has printed it (before the first frame). */
  get info(): StreamInfo | undefined {
    return this.infoValue;
  }

  /** Decoded frames, in order, until the source ends; throws {@link IngestError} when it fails. */
  async *frames(): AsyncGenerator<Frame> {
    const { width, height } = this.options;
    const size = width * height * 3;
    const stdout = this.child.stdout;
    if (stdout === null) throw new IngestError('ffmpeg has no output pipe');
    let buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    let index = 0;
    for await (const chunk of stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(size - filled, chunk.length - offset);
        chunk.copy(buffer, filled, offset, offset + take);
        filled += take;
        offset += take;
        if (filled === size) {
          // ffmpeg prints the stream info before any frame, but the two pipes race: wait for it (bounded).
          if (index === 0 && this.infoValue === undefined) {
            await Promise.race([this.infoReady, new Promise((r) => setTimeout(r, 2000))]);
          }
          const fps = this.infoValue?.fps ?? this.options.fps ?? 25;
          yield { index, timeSec: index / fps, bgr: buffer, width, height };
          index += 1;
          buffer = Buffer.allocUnsafe(size);
          filled = 0;
        }
      }
    }
    const { code, signal } = await this.exit;
    if (this.killed) return;
    if (code !== 0 || index === 0) {
      const why = lastError(this.stderr);
      throw new IngestError(
        index === 0
          ? `no video frames could be read from ${redact(this.options.source)}: ${why}`
          : `${redact(this.options.source)} stopped after ${index} frames (${signal ?? `exit ${code}`}): ${why}`,
      );
    }
  }

  /** Stops ffmpeg (SIGTERM, then SIGKILL after 2 s). */
  async stop(): Promise<void> {
    this.killed = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await this.exit;
      clearTimeout(timer);
    }
  }
}

/** A source URL with any password removed, for logs and health. */
export function redact(source: string): string {
  return source.replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1***@');
}
