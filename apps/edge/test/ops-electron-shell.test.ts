// The appliance shell's decisions without Electron: windows per display, the core's command line, the
// restart policy after crashes; and the built main process keeps the pages isolated.

import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../electron/bridge.ts';
import { type BridgeIpc, makeBridge } from '../electron/preload.ts';
import {
  coreCommand,
  DEFAULT_RESTART_POLICY,
  nextRestart,
  parseApplianceEnv,
  shellConfig,
  windowPlan,
} from '../electron/shell.ts';
import { EDGE_ROOT } from '../src/paths.ts';

const display = (id: number, x: number) => ({ id, bounds: { x, y: 0, width: 1920, height: 1080 } });

describe('the window plan', () => {
  it('puts the kiosk full-screen on the primary display and the cameras on the second', () => {
    const plan = windowPlan([display(2, 1920), display(1, 0)], 1, 'http://127.0.0.1:8081');
    expect(plan).toEqual([
      expect.objectContaining({
        role: 'kiosk',
        url: 'http://127.0.0.1:8081/kiosk',
        displayId: 1,
        fullscreen: true,
        kiosk: true,
      }),
      expect.objectContaining({
        role: 'cameras',
        url: 'http://127.0.0.1:8081/cameras',
        displayId: 2,
        kiosk: false,
      }),
    ]);
    expect(windowPlan([display(1, 0)], 1, 'http://x').map((w) => w.role)).toEqual(['kiosk']);
    expect(windowPlan([], 1, 'http://x')).toEqual([]);
  });
});

describe('the restart policy', () => {
  const crash = { code: 1, signal: null, stopping: false };
  it('restarts a crashed core with growing delays, and resets after a healthy run', () => {
    expect(nextRestart([], 10_000, 1_000, crash)).toEqual({ restart: true, delayMs: 500 });
    expect(nextRestart([9_000], 10_000, 1_000, crash)).toEqual({ restart: true, delayMs: 1_000 });
    expect(nextRestart([7_000, 9_000], 10_000, 1_000, crash)).toEqual({ restart: true, delayMs: 2_000 });
    expect(nextRestart([7_000, 9_000], 100_000, 90_000, crash)).toEqual({ restart: true, delayMs: 500 });
    expect(nextRestart([], 0, 0, { code: null, signal: 'SIGKILL', stopping: false })).toMatchObject({
      restart: true,
    });
  });

  it('stops in a crash loop, on a clean exit, on a refusal to start, and when quitting', () => {
    const loop = Array.from({ length: DEFAULT_RESTART_POLICY.maxCrashes }, (_, i) => 1000 * i);
    expect(nextRestart(loop, 10_000, 100, crash)).toMatchObject({
      restart: false,
      reason: expect.stringMatching(/crashes/),
    });
    expect(nextRestart([], 0, 0, { code: 0, signal: null, stopping: false })).toMatchObject({
      restart: false,
    });
    expect(nextRestart([], 0, 0, { code: 2, signal: null, stopping: false })).toMatchObject({
      restart: false,
    });
    expect(nextRestart([], 0, 0, { code: null, signal: 'SIGTERM', stopping: true })).toMatchObject({
      restart: false,
    });
  });
});

describe('the core command', () => {
  it('runs the unit through Electron as Node, with the configured unit, port and data folder', () => {
    const config = shellConfig(
      { GYMEDGE_UNIT: 'rj-copacabana', GYMEDGE_PORT: '8082' },
      { node: '/opt/GymEdge/gymedge', gymedgeBin: '/app/bin/gymedge.js', dataDir: '/var/lib/gymedge' },
    );
    expect(coreCommand(config)).toEqual({
      command: '/opt/GymEdge/gymedge',
      args: [
        '/app/bin/gymedge.js',
        'edge',
        '--unit',
        'rj-copacabana',
        '--port',
        '8082',
        '--data',
        '/var/lib/gymedge',
      ],
      env: { ELECTRON_RUN_AS_NODE: '1', GYMEDGE_LOG_LEVEL: 'info' },
    });
    expect(
      shellConfig({ GYMEDGE_PORT: 'x', GYMEDGE_DEMO: '1' }, { node: 'n', gymedgeBin: 'b', dataDir: 'd' }),
    ).toMatchObject({ port: 8081, demo: true });
  });

  it('reads the packaged appliance.env, and points the core at the packaged models', () => {
    const packaged = readFileSync(join(EDGE_ROOT, 'electron', 'resources', 'appliance.env'), 'utf8');
    expect(parseApplianceEnv(packaged)).toEqual({ GYMEDGE_UNIT: 'sp-paulista', GYMEDGE_PORT: '8081' });
    const file = parseApplianceEnv(
      '# x\nGYMEDGE_UNIT = bad\nGYMEDGE_UNIT=rj-centro\nPATH=/evil\nGYMEDGE_DEMO=1\n',
    );
    expect(file).toEqual({ GYMEDGE_UNIT: 'rj-centro', GYMEDGE_DEMO: '1' });
    const config = shellConfig(
      { ...file, GYMEDGE_UNIT: 'bh-savassi' },
      { node: 'n', gymedgeBin: 'b', dataDir: 'd', modelsDir: '/opt/GymEdge/resources/models' },
    );
    expect(config).toMatchObject({ unitId: 'bh-savassi', demo: true });
    expect(coreCommand(config).env.GYMEDGE_MODELS_DIR).toBe('/opt/GymEdge/resources/models');
  });
});

describe('the preload bridge', () => {
  // A stand-in for Electron's ipcRenderer, typed by Electron's own d.ts (BridgeIpc picks from it).
  function fakeIpc() {
    const events = new EventEmitter();
    const invoked: string[] = [];
    const ipc: BridgeIpc = {
      invoke: async (channel: string) => {
        invoked.push(channel);
        return channel === CHANNELS.getState ? { state: 'ready', url: 'http://127.0.0.1:8081' } : undefined;
      },
      on(channel, listener) {
        events.on(channel, listener);
        return this as Electron.IpcRenderer;
      },
      removeListener(channel, listener) {
        events.removeListener(channel, listener);
        return this as Electron.IpcRenderer;
      },
    };
    return { ipc, invoked, push: (state: unknown) => events.emit(CHANNELS.state, {}, state) };
  }

  it('asks the main process for the core state, forwards changes until unsubscribed, and restarts', async () => {
    const { ipc, invoked, push } = fakeIpc();
    const bridge = makeBridge(ipc, '1.2.3');
    expect(bridge.version).toBe('1.2.3');
    expect(await bridge.coreState()).toEqual({ state: 'ready', url: 'http://127.0.0.1:8081' });
    const seen: unknown[] = [];
    const stop = bridge.onCoreState((state) => seen.push(state));
    push({ state: 'restarting', inMs: 500, crashes: 1 });
    stop();
    push({ state: 'ready', url: 'x' });
    expect(seen).toEqual([{ state: 'restarting', inMs: 500, crashes: 1 }]);
    await bridge.restartCore();
    expect(invoked).toEqual([CHANNELS.getState, CHANNELS.restart]);
  });
});

describe('the built shell', () => {
  const main = join(EDGE_ROOT, 'electron', 'dist', 'main.mjs');
  it.skipIf(!existsSync(main))(
    'keeps pages isolated: contextIsolation, no nodeIntegration, sandbox, a preload',
    () => {
      const code = readFileSync(main, 'utf8');
      expect(code).toMatch(/contextIsolation: true/);
      expect(code).toMatch(/nodeIntegration: false/);
      expect(code).toMatch(/sandbox: true/);
      expect(existsSync(join(EDGE_ROOT, 'electron', 'dist', 'preload.cjs'))).toBe(true);
    },
  );
});

describe('the Debian alternative (systemd + chromium --kiosk)', () => {
  const root = join(EDGE_ROOT, '..', '..');
  it('install.sh says what it would do, and refuses a bad unit id', async () => {
    const { execFileSync, spawnSync } = await import('node:child_process');
    const script = join(root, 'scripts', 'appliance', 'install.sh');
    const dry = execFileSync('sh', [script, '--unit', 'sp-paulista', '--port', '8081', '--dry-run'], {
      encoding: 'utf8',
    });
    expect(dry).toContain('systemctl enable --now gymedge-core.service');
    expect(dry).toContain('GYMEDGE_UNIT=sp-paulista');
    const bad = spawnSync('sh', [script, '--unit', 'Bad Unit!', '--dry-run'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/slug/);
    const launcher = readFileSync(join(root, 'scripts', 'appliance', 'gymedge-kiosk.sh'), 'utf8');
    expect(launcher).toMatch(/--kiosk --app="\$URL"/);
  });
});
