import type { UserConfig } from 'vite';

/** Options of {@link screensConfig}. */
export interface ScreensConfigOptions {
  /** The web folder: every `<root>/<page>/index.html` becomes the page `/<page>/`. */
  readonly root: string;
  /** Where the build goes; default `<root>/dist`. */
  readonly outDir?: string;
  /** Public path the assets are served from; default `/`. */
  readonly base?: string;
}

/** The pages of a web folder: each sub-folder holding an `index.html` (not `src`, `dist`, `public`). */
export function discoverPages(root: string): Record<string, string>;

/**
 * The one Vite configuration of GymEdge screens: React JSX (automatic runtime), multi-page, hashed
 * assets under `/assets/`, no source maps in the shipped build, an ES2022 browser target.
 */
export function screensConfig(options: ScreensConfigOptions): UserConfig;
