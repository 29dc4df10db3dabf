import type { CoreState } from './shell.ts';

/**
 * The one bridge the preload script exposes to the screens as `window.gymedge` (contextIsolation on,
 * nodeIntegration off: the pages get these functions and nothing else of Node or Electron).
 */
export interface GymEdgeBridge {
  /** The appliance's version. */
  readonly version: string;
  /** The core's state now, and every change (the kiosk may show "restarting" instead of an error). */
  coreState(): Promise<CoreState>;
  onCoreState(listener: (state: CoreState) => void): () => void;
  /** Asks the shell to restart the core (staff's "restart unit" button). */
  restartCore(): Promise<void>;
}

/** IPC channel names shared by main and preload. */
export const CHANNELS = {
  state: 'gymedge:core-state',
  getState: 'gymedge:get-core-state',
  restart: 'gymedge:restart-core',
} as const;
