/**
 * The preload script: the only bridge between the screens and the shell (`window.gymedge`). It runs
 * sandboxed with contextIsolation, so the pages see these functions and no Node or Electron object.
 * Built to preload.cjs (sandboxed preloads are CommonJS).
 */
import { CHANNELS, type GymEdgeBridge } from './bridge.ts';
import type { ElectronPreload } from './electron-api.ts';
import type { CoreState } from './shell.ts';

export function makeBridge(electron: ElectronPreload, version: string): GymEdgeBridge {
  const { ipcRenderer } = electron;
  return {
    version,
    coreState: () => ipcRenderer.invoke(CHANNELS.getState) as Promise<CoreState>,
    onCoreState(listener) {
      const handler = (_event: unknown, state: unknown) => listener(state as CoreState);
      ipcRenderer.on(CHANNELS.state, handler);
      return () => ipcRenderer.removeListener(CHANNELS.state, handler);
    },
    restartCore: async () => {
      await ipcRenderer.invoke(CHANNELS.restart);
    },
  };
}

declare const require: ((name: string) => unknown) | undefined;
if (
  typeof require === 'function' &&
  typeof process !== 'undefined' &&
  process.versions.electron !== undefined
) {
  const electron = require('electron') as ElectronPreload;
  electron.contextBridge.exposeInMainWorld(
    'gymedge',
    makeBridge(electron, process.env.npm_package_version ?? '0.1.0'),
  );
}
