/**
 * The preload script: the only bridge between the screens and the shell (`window.gymedge`). It runs
 * sandboxed with contextIsolation, so the pages see these functions and no Node or Electron object.
 * Built to preload.cjs (sandboxed preloads are CommonJS).
 */

import type * as ElectronApi from 'electron';
import { CHANNELS, type GymEdgeBridge } from './bridge.ts';
import type { CoreState } from './shell.ts';

/** The part of Electron's `ipcRenderer` the bridge uses, typed by Electron's own `electron.d.ts`. */
export type BridgeIpc = Pick<ElectronApi.IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

export function makeBridge(ipcRenderer: BridgeIpc, version: string): GymEdgeBridge {
  return {
    version,
    coreState: () => ipcRenderer.invoke(CHANNELS.getState) as Promise<CoreState>,
    onCoreState(listener) {
      const handler = (_event: ElectronApi.IpcRendererEvent, state: CoreState) => listener(state);
      ipcRenderer.on(CHANNELS.state, handler);
      return () => ipcRenderer.removeListener(CHANNELS.state, handler);
    },
    restartCore: async () => {
      await ipcRenderer.invoke(CHANNELS.restart);
    },
  };
}

if (
  typeof require === 'function' &&
  typeof process !== 'undefined' &&
  process.versions.electron !== undefined
) {
  const { contextBridge, ipcRenderer }: typeof ElectronApi = require('electron');
  contextBridge.exposeInMainWorld(
    'gymedge',
    makeBridge(ipcRenderer, process.env.npm_package_version ?? '0.1.0'),
  );
}
