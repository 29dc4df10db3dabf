import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ZonesFile } from './analyze.ts';
import { ffmpegPath } from './ingest.ts';
import { REPO_ROOT } from './models.ts';

/** Where test and demo footage is cached (never committed): `GYMEDGE_MEDIA_DIR`, else `.cache/media`. */
export function mediaDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.GYMEDGE_MEDIA_DIR;
  if (configured) return isAbsolute(configured) ? configured : resolve(REPO_ROOT, configured);
  return join(REPO_ROOT, '.cache', 'media');
}

/** A cached media file by name, or undefined when scripts/fetch-test-media.sh has not fetched it. */
export function testMedia(name: string): string | undefined {
  const path = join(mediaDir(), name);
  return existsSync(path) ? path : undefined;
}

/** The layout drawn for vtest.avi: the paved walkway as a zone, a line across it, the lawn as a no-seat area. */
export const VTEST_LAYOUT: ZonesFile = {
  zones: [
    {
      id: 'walkway',
      name: 'Passarela',
      kind: 'floor',
      polygon: [
        [0, 0.3],
        [0.62, 0.2],
        [1, 0.2],
        [1, 0.85],
        [0.45, 0.62],
        [0, 0.45],
      ],
    },
    {
      id: 'lawn',
      name: 'Gramado',
      kind: 'no_seat',
      polygon: [
        [0, 0.46],
        [0.45, 0.64],
        [1, 0.88],
        [1, 1],
        [0, 1],
      ],
    },
  ],
  lines: [{ id: 'crossing', name: 'Travessia', from: [0.35, 0.2], to: [0.35, 0.8] }],
};

/**
 * The demo unit's camera: vtest.avi (real pedestrians, from Debian's opencv-doc) when it has been
 * fetched, else a clip generated here with ffmpeg (moving test pattern; nobody to count, and the
 * screen says so).
 */
export async function demoCameraSource(
  logger: Logger,
): Promise<{ path: string; layout: ZonesFile } | undefined> {
  const vtest = testMedia('vtest.avi');
  if (vtest) return { path: vtest, layout: VTEST_LAYOUT };
  const dir = mediaDir();
  const path = join(dir, 'demo-camera.mp4');
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const ok = await new Promise<boolean>((done) => {
      const child = spawn(
        ffmpegPath(),
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-nostdin',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=640x480:rate=10:duration=30',
          '-pix_fmt',
          'yuv420p',
          '-y',
          path,
        ],
        { stdio: 'ignore' },
      );
      child.once('error', () => done(false));
      child.once('close', (code) => done(code === 0));
    });
    if (!ok) {
      logger.warn('vision: could not generate the demo camera clip; the demo unit has no camera');
      return undefined;
    }
  }
  logger.info(
    { path },
    'vision: vtest.avi not fetched (scripts/fetch-test-media.sh); the demo camera plays a generated clip',
  );
  return { path, layout: { zones: [], lines: [] } };
}
