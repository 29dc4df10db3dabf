/**
 * The part of Electron's API the shell uses, declared here. Electron's package cannot be installed on
 * the build machines (its install script downloads the binary), so the shell type-checks against this
 * interface instead of `electron.d.ts`; the names and shapes follow Electron's documentation, and
 * main.ts loads the real module at run time. See docs/appliance.md.
 */
import type { DisplayInfo } from './shell.ts';

export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): void;
}

export interface BrowserWindowLike {
  loadURL(url: string): Promise<void>;
  setFullScreen(flag: boolean): void;
  readonly webContents: WebContentsLike;
  on(event: 'closed', listener: () => void): void;
}

export interface BrowserWindowOptions {
  x: number;
  y: number;
  width: number;
  height: number;
  fullscreen: boolean;
  kiosk: boolean;
  autoHideMenuBar: boolean;
  backgroundColor: string;
  show: boolean;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    nodeIntegration: false;
    sandbox: true;
    webSecurity: true;
  };
}

export interface ElectronMain {
  readonly app: {
    whenReady(): Promise<void>;
    on(event: 'window-all-closed' | 'before-quit', listener: () => void): void;
    quit(): void;
    getVersion(): string;
    getPath(name: 'userData'): string;
    requestSingleInstanceLock(): boolean;
  };
  readonly BrowserWindow: new (options: BrowserWindowOptions) => BrowserWindowLike;
  readonly screen: { getAllDisplays(): DisplayInfo[]; getPrimaryDisplay(): DisplayInfo };
  readonly ipcMain: {
    handle(channel: string, listener: (...args: unknown[]) => unknown): void;
  };
  readonly session: {
    readonly defaultSession: {
      setPermissionRequestHandler(
        handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void,
      ): void;
    };
  };
}

export interface ElectronPreload {
  readonly contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  readonly ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): void;
    removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): void;
  };
}
