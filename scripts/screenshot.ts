/**
 * Screenshots of running pages with Debian's headless Chromium (playwright-core), for the README
 * and for looking at what a user sees: `tsx scripts/screenshot.ts URL OUT.png [URL OUT.png ...]`.
 */
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2 !== 0) {
  console.error('usage: tsx scripts/screenshot.ts URL OUT.png [URL OUT.png ...]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  for (let i = 0; i < args.length; i += 2) {
    const [url, out] = [args[i] as string, args[i + 1] as string];
    await page.goto(url, { waitUntil: 'networkidle' });
    // Swagger UI renders after loading the OpenAPI document: wait for its operations.
    if (url.includes('/api/docs')) await page.waitForSelector('.opblock', { timeout: 10_000 });
    await page.screenshot({ path: out, fullPage: false });
    console.log(`${url} -> ${out}`);
  }
} finally {
  await browser.close();
}
