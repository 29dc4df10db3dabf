import { fileURLToPath } from 'node:url';
import { screensConfig } from '@gymedge/ui/vite';
import { defineConfig } from 'vite';

// HQ's screens: dashboard/index.html is the HQ sync dashboard, served at / and /dashboard by HQ.
export default defineConfig(screensConfig({ root: fileURLToPath(new URL('.', import.meta.url)) }));
