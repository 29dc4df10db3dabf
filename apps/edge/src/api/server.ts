import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { type FastifyPluginAsyncZod, serializerCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AccountDirectory, MemberService } from '../services/contracts.ts';
import { installAccessControl } from './access.ts';
import { dummyPasswordHash } from './auth.ts';
import { DOCS_PREFIX, registerDocs } from './docs.ts';
import type { HealthReport } from './health.ts';
import { type ApiMetrics, createApiMetrics, installRequestTiming } from './metrics.ts';
import { HttpProblem, sendProblem, toHttpProblem } from './problems.ts';
import { authRoutes } from './routes/auth.ts';
import { homeRoutes } from './routes/home.ts';
import { memberRoutes } from './routes/members.ts';
import { systemRoutes } from './routes/system.ts';
import { DEFAULT_LOGIN_BUDGET, type LoginBudget } from './throttle.ts';
import { MemoryRevocations, type TokenRevocations, type TokenService } from './tokens.ts';
import { parseJsonBody, zodValidatorCompiler } from './validation.ts';

/** Routes added by another module (the CSV importer); they declare permissions like every route. */
export type ApiPlugin = FastifyPluginAsyncZod;

/** Tunables of the HTTP layer; every one has a safe default. */
export interface ApiOptions {
  /** Largest request body accepted; default 64 KiB. */
  readonly bodyLimitBytes?: number;
  /** Sign-in attempts per client address and login; default 10 per minute. */
  readonly loginRateLimit?: { readonly max: number; readonly timeWindowMs: number };
  /** The other sign-in budgets (per address, per unit); see {@link DEFAULT_LOGIN_BUDGET}. */
  readonly loginBudget?: Partial<Omit<LoginBudget, 'perLogin'>>;
  /** Searches a kiosk token may make per minute; default 30. */
  readonly kioskSearchesPerMinute?: number;
  /** Trust X-Forwarded-* from these proxies (Fastify `trustProxy`); default: trust none. */
  readonly trustProxy?: boolean | string | string[];
}

/** Everything the unit's API needs, injected by the composition root. */
export interface ApiDeps {
  readonly unitId: string;
  readonly version: string;
  readonly members: MemberService;
  readonly accounts: AccountDirectory;
  readonly tokens: TokenService;
  /** Signed-out sessions; default in memory (the composition root passes the unit database's). */
  readonly revocations?: TokenRevocations;
  /** Milliseconds; the clock of the sign-in and search budgets (tests move it). */
  readonly now?: () => number;
  /** Current health of the unit, computed on each `/health` call (keep it cheap). */
  readonly health: () => HealthReport;
  /** The registry `/metrics` exposes; the API adds default process metrics and its own. */
  readonly metrics: Registry;
  readonly logger: Logger;
  /** The unit's display name for the status page, when known. */
  readonly unitName?: () => string | undefined;
  /** Seam for the CSV import routes (`members:import`), registered after the member routes. */
  readonly importer?: ApiPlugin;
  /**
   * Routes of the other capabilities (operations, vision, churn, segments, assistant, sync status),
   * each an {@link ApiPlugin} built by its own module and composed by the composition root. They declare
   * `config.permission` or `public: true` like every route; registered in order after the member routes.
   */
  readonly plugins?: readonly ApiPlugin[];
  readonly options?: ApiOptions;
}

export const DEFAULT_BODY_LIMIT = 64 * 1024;

function securityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-request-id', request.id);
  if (!request.url.startsWith(DOCS_PREFIX)) {
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    }
  }
  if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) {
    reply.header('cache-control', 'no-store');
  }
}

function installProblemHandling(app: FastifyInstance, metrics: ApiMetrics, bodyLimit: number): void {
  const answer = (request: FastifyRequest, reply: FastifyReply, problem: HttpProblem) => {
    metrics.problems.inc({ status: String(problem.statusCode), type: problem.options.slug ?? 'default' });
    return sendProblem(reply, request, problem);
  };
  app.setErrorHandler((error, request, reply) => {
    const problem = toHttpProblem(error, request, bodyLimit);
    if (problem.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ status: problem.statusCode, detail: problem.detail }, 'request refused');
    return answer(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return answer(request, reply, new HttpProblem(404, `There is nothing at ${request.method} ${path}.`));
  });
}

/**
 * Builds the unit's HTTP API: registers plugins, hooks and routes, and returns the instance without
 * listening (the caller calls `listen`, or `inject` in tests). Does no I/O of its own.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const bodyLimit = deps.options?.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const logger: FastifyBaseLogger = deps.logger.child({ module: 'api', unitId: deps.unitId });
  const app = Fastify({
    loggerInstance: logger,
    // One line per request costs a lot at thousands of requests per second; failures are logged instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    trustProxy: deps.options?.trustProxy ?? false,
    genReqId: () => randomUUID(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain or form body is a 415, not a string handed to the schema.
  app.removeContentTypeParser(['text/plain']);
  // Our own JSON parser, so a "__proto__" key is refused by name rather than as "not valid JSON".
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  const metrics = createApiMetrics(deps.metrics);
  const revocations = deps.revocations ?? new MemoryRevocations(deps.now);
  installProblemHandling(app, metrics, bodyLimit);
  installAccessControl(app, {
    unitId: deps.unitId,
    tokens: deps.tokens,
    accounts: deps.accounts,
    publicPrefixes: [DOCS_PREFIX],
    revocations,
  });
  installRequestTiming(app, metrics);
  app.addHook('onSend', async (request, reply, payload) => {
    securityHeaders(request, reply);
    return payload;
  });
  // Hash the dummy password before the first sign-in, so an unknown login is not answered faster.
  app.addHook('onReady', async () => {
    await dummyPasswordHash();
  });

  await registerDocs(app, { unitId: deps.unitId, version: deps.version });
  // Off by default (benchmarks run thousands of requests per second); routes opt in, as sign-in does.
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(429, `Too many requests. Please wait ${context.after} and try again.`),
  });

  await app.register(systemRoutes({ health: deps.health, registry: deps.metrics }));
  await app.register(homeRoutes({ health: deps.health, unitName: deps.unitName ?? (() => undefined) }));
  await app.register(
    authRoutes({
      unitId: deps.unitId,
      accounts: deps.accounts,
      tokens: deps.tokens,
      metrics,
      loginBudget: {
        ...DEFAULT_LOGIN_BUDGET,
        ...deps.options?.loginBudget,
        perLogin: deps.options?.loginRateLimit ?? DEFAULT_LOGIN_BUDGET.perLogin,
      },
      revocations,
      ...(deps.now === undefined ? {} : { now: deps.now }),
    }),
  );
  await app.register(
    memberRoutes({
      members: deps.members,
      searchesPerMinute: deps.options?.kioskSearchesPerMinute ?? 30,
      ...(deps.now === undefined ? {} : { now: deps.now }),
    }),
  );
  if (deps.importer) await app.register(deps.importer);
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
