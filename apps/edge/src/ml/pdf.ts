/**
 * Prints an HTML page to PDF with the system Chromium (playwright-core). playwright-core is loaded
 * only when a PDF is asked for (it is a development dependency, and the edge bundle leaves it out).
 */
import type { Browser } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const PLAYWRIGHT = 'playwright-core';

export async function printPdf(html: string, path: string): Promise<void> {
  let launch: (o: { executablePath: string; args: string[] }) => Promise<Browser>;
  try {
    const mod = (await import(PLAYWRIGHT)) as typeof import('playwright-core');
    launch = (o) => mod.chromium.launch(o);
  } catch {
    throw new Error('cannot print the PDF: playwright-core is not installed (use --no-pdf, or npm install)');
  }
  const browser = await launch({
    executablePath: process.env.GYMEDGE_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    await page.pdf({
      path,
      format: 'A4',
      printBackground: true,
      margin: { top: '10mm', bottom: '10mm', left: '8mm', right: '8mm' },
    });
  } finally {
    await browser.close();
  }
}
