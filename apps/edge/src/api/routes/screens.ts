import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { EDGE_ROOT } from '../../paths.ts';

/** Where `npm install` builds the unit's screens (Vite, apps/edge/web). */
export const WEB_DIST = join(EDGE_ROOT, 'web', 'dist');

/**
 * The policy of the screens: their own scripts, styles, images (data:/blob: for QR codes and camera
 * frames), API calls to this unit only, WebAssembly for in-browser vision, nothing framed, nothing else.
 */
export const SCREEN_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Options of {@link screenRoutes}. */
export interface ScreenRoutesOptions {
  /** The built web folder; default {@link WEB_DIST}. */
  readonly dist?: string;
}

/** The pages a build holds: each folder of `dist` with an `index.html` (kiosk, staff, cameras...). */
export function builtPages(dist: string): string[] {
  if (!existsSync(dist)) return [];
  return readdirSync(dist, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dist, entry.name, 'index.html')))
    .map((entry) => entry.name);
}

function pageHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', SCREEN_CSP);
  reply.header('permissions-policy', 'camera=(self), microphone=(), geolocation=()');
  reply.header('cache-control', 'no-cache');
}

/**
 * Serves the built screens: `/<page>` and `/<page>/*` (client-side routes) answer the page's
 * `index.html`, `/assets/*` the hashed bundles (cached for a year). All public: the screens sign in
 * through the API like any client. When the build is missing, `/<page>` explains how to build it.
 */
export function screenRoutes(options: ScreenRoutesOptions = {}): FastifyPluginAsyncZod {
  const dist = options.dist ?? WEB_DIST;
  return async (app) => {
    await app.register(fastifyStatic, { root: dist, serve: false });
    const pages = builtPages(dist);
    for (const page of pages.length > 0 ? pages : ['kiosk', 'staff']) {
      const handler = async (_request: unknown, reply: FastifyReply) => {
        pageHeaders(reply);
        if (!existsSync(join(dist, page, 'index.html'))) {
          return reply
            .code(503)
            .type('text/plain; charset=utf-8')
            .send(
              'As telas não foram compiladas. Rode "npm run build". / The screens are not built: run "npm run build".',
            );
        }
        return reply.sendFile(join(page, 'index.html'), dist);
      };
      app.get(`/${page}`, { config: { public: true }, schema: { hide: true } }, handler);
      app.get(`/${page}/*`, { config: { public: true }, schema: { hide: true } }, handler);
    }
    app.get<{ Params: { '*': string } }>(
      '/assets/*',
      { config: { public: true }, schema: { hide: true } },
      (request, reply) => {
        reply.header('content-security-policy', SCREEN_CSP);
        return reply.sendFile(request.params['*'], join(dist, 'assets'), { immutable: true, maxAge: '365d' });
      },
    );
  };
}
