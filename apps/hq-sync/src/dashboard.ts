import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCREEN_CSP, screenRoutes } from '@gymedge/edge/src/api/routes/screens.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Options of {@link dashboardRoutes}. */
export interface DashboardOptions {
  /** The built web folder of apps/hq-sync/web. */
  readonly dist: string;
}

const NOT_BUILT =
  'O painel da matriz não foi compilado. Rode "npm run build". / The HQ dashboard is not built: run "npm run build".';

/**
 * The HQ sync dashboard: `/` answers the dashboard page (the unit's status page, which the shared API also
 * registers at `/`, is never reached at HQ), `/dashboard` and `/assets/*` come from the unit's own screen
 * routes over HQ's build. Public like every screen: the page signs in through the API.
 */
export function dashboardRoutes(options: DashboardOptions): FastifyPluginAsyncZod {
  const index = join(options.dist, 'dashboard', 'index.html');
  const plugin: FastifyPluginAsyncZod = async (app) => {
    await app.register(screenRoutes({ dist: options.dist }));
    app.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const path = request.url.split('?')[0];
      if (path !== '/') return;
      reply.header('content-security-policy', SCREEN_CSP);
      reply.header('cache-control', 'no-cache');
      if (!existsSync(index)) {
        return reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
      }
      return reply.type('text/html; charset=utf-8').send(readFileSync(index, 'utf8'));
    });
  };
  // The hook must see `/`, which belongs to the root context: do not encapsulate this plugin.
  Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  return plugin;
}
