/**
 * A screenshot of the running HQ sync dashboard for the docs: signs in, optionally stops the demo's
 * broker (its pid) to show the lag rising and falling, waits, and saves the page.
 * `tsx apps/hq-sync/scripts/screenshot-dashboard.ts URL PASSWORD OUT.png [--lang en] [--kill PID] [--wait S]`
 */
import { launchBrowser } from '@gymedge/ui/chromium';

const [url, password, out, ...rest] = process.argv.slice(2);
if (url === undefined || password === undefined || out === undefined) {
  process.stderr.write(
    'usage: screenshot-dashboard.ts URL PASSWORD OUT.png [--lang en] [--kill PID] [--wait S]\n',
  );
  process.exit(2);
}
const flag = (name: string) => {
  const index = rest.indexOf(name);
  return index >= 0 ? rest[index + 1] : undefined;
};
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(`${url}/?lang=${flag('--lang') ?? 'pt-BR'}`);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId('live').waitFor();
  await page.waitForTimeout(4000);
  const pid = flag('--kill');
  if (pid !== undefined) process.kill(Number(pid), 'SIGTERM');
  await page.waitForTimeout(Number(flag('--wait') ?? '3') * 1000);
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`saved ${out}\n`);
} finally {
  await browser.close();
}
