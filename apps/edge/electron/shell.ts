/**
 * The appliance shell's decisions, as pure functions (tested without Electron): which window goes on
 * which display, how the headless core is started, and when a crashed core is restarted.
 */

/** A display as Electron's `screen.getAllDisplays()` describes it (the fields used here). */
export interface DisplayInfo {
  readonly id: number;
  readonly bounds: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  };
  readonly internal?: boolean;
}

/** One window to open. */
export interface WindowSpec {
  readonly role: 'kiosk' | 'cameras';
  readonly url: string;
  readonly displayId: number;
  readonly bounds: DisplayInfo['bounds'];
  readonly fullscreen: boolean;
  /** Kiosk mode: no way out by keyboard shortcuts, no menu. */
  readonly kiosk: boolean;
}

/**
 * The kiosk goes full-screen on the primary display; the camera monitor on the first other display
 * when there is one (none otherwise: staff open /cameras on their own screens).
 */
export function windowPlan(
  displays: readonly DisplayInfo[],
  primaryId: number,
  baseUrl: string,
): WindowSpec[] {
  const primary = displays.find((d) => d.id === primaryId) ?? displays[0];
  if (!primary) return [];
  const plan: WindowSpec[] = [
    {
      role: 'kiosk',
      url: `${baseUrl}/kiosk`,
      displayId: primary.id,
      bounds: primary.bounds,
      fullscreen: true,
      kiosk: true,
    },
  ];
  const second = displays.find((d) => d.id !== primary.id);
  if (second)
    plan.push({
      role: 'cameras',
      url: `${baseUrl}/cameras`,
      displayId: second.id,
      bounds: second.bounds,
      fullscreen: true,
      kiosk: false,
    });
  return plan;
}

/** How the shell restarts the core: quickly at first, backing off, and giving up after a crash loop. */
export interface RestartPolicy {
  /** Delay before the first restart. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** More than this many crashes within `windowMs` is a crash loop: stop and show the error. */
  readonly maxCrashes: number;
  readonly windowMs: number;
  /** A core that ran this long without crashing resets the backoff. */
  readonly healthyAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  maxCrashes: 5,
  windowMs: 5 * 60_000,
  healthyAfterMs: 60_000,
};

/** What to do after the core exited at `now`, given the earlier crash times and how long it ran. */
export type RestartDecision =
  | { readonly restart: true; readonly delayMs: number }
  | { readonly restart: false; readonly reason: string };

export function nextRestart(
  crashes: readonly number[],
  now: number,
  ranForMs: number,
  exit: { code: number | null; signal: string | null; stopping: boolean },
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): RestartDecision {
  if (exit.stopping) return { restart: false, reason: 'the shell is quitting' };
  if (exit.code === 0 && exit.signal === null) return { restart: false, reason: 'the core stopped cleanly' };
  // A lock held by another core, or a bad config, exits with 2: restarting would only loop.
  if (exit.code === 2)
    return { restart: false, reason: 'the core refused to start (configuration or lock); see its log' };
  const recent = crashes.filter((at) => now - at <= policy.windowMs);
  if (recent.length >= policy.maxCrashes)
    return {
      restart: false,
      reason: `${recent.length + 1} crashes in ${Math.round(policy.windowMs / 60_000)} minutes`,
    };
  const streak = ranForMs >= policy.healthyAfterMs ? 0 : recent.length;
  return { restart: true, delayMs: Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** streak) };
}

/** The command line of the headless core. */
export interface CoreCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** Shell settings, from the environment or the packaged config (resources/appliance.json). */
export interface ShellConfig {
  readonly unitId: string;
  readonly port: number;
  readonly dataDir: string;
  /** Seed the demo data into an empty unit (a showroom appliance). */
  readonly demo: boolean;
  /** `process.execPath` of Electron (runs Node with ELECTRON_RUN_AS_NODE) or a `node` binary. */
  readonly node: string;
  readonly gymedgeBin: string;
  /** Where the models are (the package's resources/models); unset: the core's own search (docs/vision.md). */
  readonly modelsDir?: string;
}

export function coreCommand(config: ShellConfig): CoreCommand {
  const args = [
    config.gymedgeBin,
    'edge',
    '--unit',
    config.unitId,
    '--port',
    String(config.port),
    '--data',
    config.dataDir,
  ];
  if (config.demo) args.push('--seed-demo', '2000');
  const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1', GYMEDGE_LOG_LEVEL: 'info' };
  if (config.modelsDir !== undefined) env.GYMEDGE_MODELS_DIR = config.modelsDir;
  return { command: config.node, args, env };
}

/**
 * The packaged defaults (resources/appliance.env): `KEY=value` lines, `#` comments. Only GYMEDGE_* keys
 * are taken; the process environment wins over the file (see shellConfig's callers).
 */
export function parseApplianceEnv(text: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(GYMEDGE_[A-Z_]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) settings[match[1]] = match[2].trim();
  }
  return settings;
}

/** Reads the shell settings from environment variables with safe defaults. */
export function shellConfig(
  env: Readonly<Record<string, string | undefined>>,
  defaults: { node: string; gymedgeBin: string; dataDir: string; modelsDir?: string },
): ShellConfig {
  const port = Number(env.GYMEDGE_PORT ?? 8081);
  return {
    unitId: env.GYMEDGE_UNIT ?? 'sp-paulista',
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 8081,
    dataDir: env.GYMEDGE_DATA ?? defaults.dataDir,
    demo: env.GYMEDGE_DEMO === '1',
    node: defaults.node,
    gymedgeBin: defaults.gymedgeBin,
    ...(defaults.modelsDir === undefined ? {} : { modelsDir: defaults.modelsDir }),
  };
}

/** What the renderer may learn about the core, through the preload bridge. */
export type CoreState =
  | { readonly state: 'starting' }
  | { readonly state: 'ready'; readonly url: string }
  | { readonly state: 'restarting'; readonly inMs: number; readonly crashes: number }
  | { readonly state: 'failed'; readonly reason: string };
