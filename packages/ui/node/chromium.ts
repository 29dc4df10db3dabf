import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, the one browser every screen test uses. */
export const CHROMIUM_PATH = process.env.GYMEDGE_CHROMIUM ?? '/usr/bin/chromium';

/** The flags every test browser starts with (headless, no network beyond 127.0.0.1, no background work). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Where screenshots go: `<repo>/test-artifacts/` (git-ignored), or `GYMEDGE_ARTIFACTS`. */
export const ARTIFACTS_DIR =
  process.env.GYMEDGE_ARTIFACTS ??
  resolve(fileURLToPath(new URL('../../../test-artifacts', import.meta.url)));

/** Options of {@link launchBrowser}. */
export interface LaunchOptions {
  /** Extra flags, e.g. {@link fakeCameraArgs}. */
  readonly args?: readonly string[];
}

/** Starts one headless Chromium (share it across a test file; close it in `afterAll`). */
export function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

/**
 * Flags that give pages a fake camera playing `file` (a .y4m or .mjpeg video) and grant it without a
 * prompt. The file must exist before the browser starts.
 */
export function fakeCameraArgs(file: string): string[] {
  return [
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${file}`,
  ];
}

/** A page that remembers the console errors and uncaught exceptions of the screen under test. */
export interface ScreenPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors and page errors seen so far. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** Opens a fresh context (own storage) and page, e.g. 1280×800, or a kiosk's 1080×1920 portrait. */
export async function openPage(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; locale?: string; permissions?: string[] } = {},
): Promise<ScreenPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: options.locale ?? 'pt-BR',
    ...(options.permissions ? { permissions: options.permissions } : {}),
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, context, errors, close: () => context.close() };
}

/** Saves a full-page PNG as `<artifacts>/<name>.png` and returns its path. Look at it. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
