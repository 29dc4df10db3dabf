import { fileURLToPath } from 'node:url';
import { screensConfig } from '@gymedge/ui/vite';
import { defineConfig } from 'vite';

// Every <folder>/index.html here is a page served by the unit at /<folder>/ (kiosk, staff, cameras...).
export default defineConfig(screensConfig({ root: fileURLToPath(new URL('.', import.meta.url)) }));
