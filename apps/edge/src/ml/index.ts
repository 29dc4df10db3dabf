/** Wires churn and segments into a running unit: the composition root calls {@link startEdgeMl}. */
import type { DocumentStore } from '@gymedge/store';
import type { Database } from 'better-sqlite3';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { churnRoutes } from '../api/routes/churn.ts';
import { segmentRoutes } from '../api/routes/segments.ts';
import type { Logger } from '../lib/logger.ts';
import { UnitMl, type UnitMlConfig } from './unit-ml.ts';

export interface EdgeMl {
  readonly ml: UnitMl;
  /** The churn and segments routes, for `buildApi`'s plugins. */
  readonly plugin: FastifyPluginAsyncZod;
  stop(): Promise<void>;
}

export interface EdgeMlDeps {
  dir: string;
  db: Database;
  store: DocumentStore;
  logger: Logger;
  registry?: Registry;
  config?: Partial<UnitMlConfig>;
}

/**
 * Starts the unit's ML: loads the champion; once the API is ready, scores or trains in the background
 * (never blocking start-up; training yields to the event loop after every fit).
 * Under a test runner (VITEST set) it does not train at start unless `config.trainOnStart` says so.
 */
export async function startEdgeMl(deps: EdgeMlDeps): Promise<EdgeMl> {
  const config: Partial<UnitMlConfig> = {
    ...(process.env.VITEST ? { trainOnStart: false } : {}),
    ...(deps.config ?? {}),
  };
  const opts: ConstructorParameters<typeof UnitMl>[0] = {
    dir: deps.dir,
    db: deps.db,
    store: deps.store,
    logger: deps.logger,
    config,
  };
  if (deps.registry !== undefined) opts.registry = deps.registry;
  const ml = new UnitMl(opts);
  await ml.start();
  const churn = churnRoutes(ml);
  const segments = segmentRoutes(ml);
  const plugin: FastifyPluginAsyncZod = async (app) => {
    await app.register(churn);
    await app.register(segments);
    // Heavy work (scoring, the first training) only once the unit is up and serving.
    app.addHook('onReady', async () => {
      ml.begin();
    });
  };
  return { ml, plugin, stop: () => ml.stop() };
}
