// MediaPipe PoseLandmarker (the .task bundles scripts/build-pose-models.mjs builds) in real headless
// Chromium, on real photographs of people that Debian ships (opencv-doc), and the rep counter on them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Landmark, LM } from '../src/vision/exercises.ts';
import { PoseEstimator, poseModelPath } from '../src/vision/pose.ts';
import { analyzePose } from '../src/vision/pose-analyze.ts';
import { ffmpeg, MESSI } from './vision-support.ts';

const BASKETBALL = MESSI?.replace('messi5.jpg', 'basketball1.png');
const NO_POSE = !existsSync(poseModelPath('lite'))
  ? 'pose bundle missing: run node scripts/build-pose-models.mjs'
  : MESSI === undefined
    ? 'test stills not fetched: run scripts/fetch-test-media.sh'
    : !existsSync('/usr/bin/chromium') && !process.env.GYMEDGE_CHROMIUM
      ? 'no Chromium at /usr/bin/chromium'
      : '';

describe.skipIf(NO_POSE !== '')(`pose on real photographs ${NO_POSE}`, () => {
  let estimator: PoseEstimator;
  let dir: string;
  beforeAll(async () => {
    estimator = await PoseEstimator.start('lite');
    dir = mkdtempSync(join(tmpdir(), 'vision-pose-'));
  }, 90_000);
  afterAll(async () => {
    await estimator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const seen = (l: Landmark[], i: number) => (l[i]?.visibility ?? 0) > 0.5;

  it('finds the 33 landmarks of the footballer in messi5.jpg, head above shoulders above hips', async () => {
    const { landmarks } = await estimator.detect(readFileSync(MESSI as string));
    expect(landmarks).toHaveLength(33);
    const l = landmarks as Landmark[];
    for (const i of [LM.nose, LM.leftShoulder, LM.rightShoulder, LM.leftHip, LM.rightHip])
      expect(seen(l, i)).toBe(true);
    const shoulders = ((l[LM.leftShoulder]?.y ?? 0) + (l[LM.rightShoulder]?.y ?? 0)) / 2;
    const hips = ((l[LM.leftHip]?.y ?? 0) + (l[LM.rightHip]?.y ?? 0)) / 2;
    expect(l[LM.nose]?.y ?? 1).toBeLessThan(shoulders);
    expect(shoulders).toBeLessThan(hips);
  });

  it('finds a person in basketball1.png too', async () => {
    const { landmarks } = await estimator.detect(readFileSync(BASKETBALL as string));
    expect(landmarks).toHaveLength(33);
  });

  it('counts no reps for a person who does not move (a still clip), and writes the three files', async () => {
    const clip = join(dir, 'still.mp4');
    ffmpeg(
      '-loop',
      '1',
      '-i',
      MESSI as string,
      '-t',
      '2',
      '-r',
      '10',
      '-vf',
      'scale=548:-2',
      '-pix_fmt',
      'yuv420p',
      clip,
    );
    const out = join(dir, 'out');
    const summary = await analyzePose({ input: clip, out, exercise: 'squat', estimator, fps: 10 });
    expect(summary.frames).toBeGreaterThanOrEqual(19);
    expect(summary.framesWithPerson).toBe(summary.frames);
    expect(summary.count).toBe(0);
    const lines = readFileSync(join(out, 'landmarks.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(summary.frames);
    expect((JSON.parse(lines[0] as string) as { landmarks: number[][] }).landmarks).toHaveLength(33);
    const feedback = JSON.parse(readFileSync(join(out, 'feedback.json'), 'utf8')) as Record<
      string,
      unknown[]
    >;
    expect(Object.keys(feedback)).toEqual(['pt-BR', 'en']);
  }, 60_000);
});
