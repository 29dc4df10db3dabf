/**
 * The appliance shell (Electron main process), kept thin: start the headless core as a child process,
 * open the kiosk full-screen (and the camera monitor on a second display), restart the core when it
 * crashes. Every decision is in shell.ts (tested without Electron). Windows run with contextIsolation,
 * no nodeIntegration, the sandbox, and one preload bridge (preload.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as ElectronApi from 'electron';
import { CHANNELS } from './bridge.ts';
import {
  type CoreState,
  coreCommand,
  nextRestart,
  parseApplianceEnv,
  shellConfig,
  windowPlan,
} from './shell.ts';

/** What the shell takes from Electron's main-process module, typed by Electron's own `electron.d.ts`. */
export type ElectronMain = Pick<
  typeof ElectronApi,
  'app' | 'BrowserWindow' | 'screen' | 'ipcMain' | 'session'
>;

// Built to apps/edge/electron/dist/main.mjs (scripts/build.mjs), beside preload.cjs.
const here = dirname(fileURLToPath(import.meta.url));

function readApplianceEnv(path: string): Record<string, string> {
  return existsSync(path) ? parseApplianceEnv(readFileSync(path, 'utf8')) : {};
}

async function waitForCore(url: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

export async function runShell(electron: ElectronMain): Promise<void> {
  const { app, BrowserWindow, screen, ipcMain, session } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  // Packaged: resources/appliance.env and resources/models (electron-builder.yml's extraResources).
  const resources = app.isPackaged ? process.resourcesPath : undefined;
  const packagedEnv = resources === undefined ? {} : readApplianceEnv(join(resources, 'appliance.env'));
  const config = shellConfig(
    { ...packagedEnv, ...process.env },
    {
      node: process.execPath,
      gymedgeBin: join(here, '..', '..', 'bin', 'gymedge.js'),
      dataDir: join(app.getPath('userData'), 'data'),
      ...(resources === undefined ? {} : { modelsDir: join(resources, 'models') }),
    },
  );
  const url = `http://127.0.0.1:${config.port}`;
  const windows: ElectronApi.BrowserWindow[] = [];
  let state: CoreState = { state: 'starting' };
  const publish = (next: CoreState) => {
    state = next;
    for (const window of windows) window.webContents.send(CHANNELS.state, next);
  };

  // Only the camera (for QR check-in and the camera monitor) is ever granted, and only to our pages.
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(permission === 'media'),
  );

  let child: ChildProcess | undefined;
  let stopping = false;
  const crashes: number[] = [];
  const startCore = () => {
    const command = coreCommand(config);
    const started = Date.now();
    publish({ state: 'starting' });
    child = spawn(command.command, [...command.args], {
      env: { ...process.env, ...command.env },
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => {
      const decision = nextRestart(crashes, Date.now(), Date.now() - started, { code, signal, stopping });
      if (!decision.restart) {
        if (!stopping) publish({ state: 'failed', reason: decision.reason });
        return;
      }
      crashes.push(Date.now());
      publish({ state: 'restarting', inMs: decision.delayMs, crashes: crashes.length });
      setTimeout(startCore, decision.delayMs);
    });
    void waitForCore(url, 60_000).then((up) => {
      if (up) publish({ state: 'ready', url });
    });
  };
  ipcMain.handle(CHANNELS.getState, () => state);
  ipcMain.handle(CHANNELS.restart, () => {
    child?.kill('SIGTERM');
  });
  startCore();
  await waitForCore(url, 60_000);

  const primary = screen.getPrimaryDisplay();
  for (const spec of windowPlan(screen.getAllDisplays(), primary.id, url)) {
    const window = new BrowserWindow({
      ...spec.bounds,
      fullscreen: spec.fullscreen,
      kiosk: spec.kiosk,
      autoHideMenuBar: true,
      backgroundColor: '#f4f6f8',
      show: true,
      webPreferences: {
        preload: join(here, 'preload.cjs'),
        contextIsolation: true,
        nodeIntegration: false,
        sandbox: true,
        webSecurity: true,
      },
    });
    // The screens never leave the unit: no pop-ups, no navigation elsewhere.
    window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    window.webContents.on('will-navigate', (event, target) => {
      if (!target.startsWith(url)) event.preventDefault();
    });
    windows.push(window);
    await window.loadURL(spec.url);
  }
  app.on('before-quit', () => {
    stopping = true;
    child?.kill('SIGTERM');
  });
  app.on('window-all-closed', () => app.quit());
}

// Only inside Electron: under plain Node (the tests) `electron` would resolve to the npm package, whose
// index.js downloads the binary on first use.
if (process.versions.electron !== undefined) {
  await runShell(await import('electron'));
}
