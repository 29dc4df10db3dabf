import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { HealthReport, PublicHealthReport, publicHealth } from '../health.ts';

/** What the system routes read. */
export interface SystemRoutesDeps {
  readonly health: () => HealthReport;
  readonly registry: Registry;
}

/** Metric families only `system:metrics` may read: sign-in outcomes tell an attacker how guessing goes. */
const SENSITIVE_METRICS = /^(# (HELP|TYPE) )?gymedge_auth_/;

/** `/health` (public, for load balancers), `/metrics` (Prometheus) and the full health report. */
export function systemRoutes(deps: SystemRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/health',
      {
        config: { public: true },
        schema: {
          tags: ['system'],
          summary: 'Is this unit healthy?',
          description: 'HTTP 200 when the status is ok, 503 when degraded. Open to anyone; no storage path.',
          response: { 200: PublicHealthReport, 503: PublicHealthReport },
        },
      },
      async (_request, reply) => {
        const report = deps.health();
        return reply.code(report.status === 'ok' ? 200 : 503).send(publicHealth(report));
      },
    );

    app.get(
      '/api/v1/system/health',
      {
        config: { permission: 'system:read' },
        schema: {
          tags: ['system'],
          summary: 'Full health report of this unit',
          description: 'The /health report including the data directory; HTTP 503 when degraded.',
          response: { 200: HealthReport, 503: HealthReport },
        },
      },
      async (_request, reply) => {
        const report = deps.health();
        return reply.code(report.status === 'ok' ? 200 : 503).send(report);
      },
    );

    app.get(
      '/metrics',
      {
        config: { permission: 'system:metrics', loopbackWithoutToken: true },
        schema: {
          tags: ['system'],
          summary: 'Prometheus metrics',
          description:
            'Process metrics, HTTP request durations by route, sign-ins and error responses. Needs a token with ' +
            'system:metrics; a caller on this machine (loopback, no proxy) may scrape without a token and then ' +
            'gets everything except the sign-in counters (gymedge_auth_*).',
          response: {
            200: {
              description: 'Prometheus text exposition format',
              content: { 'text/plain': { schema: z.string() } },
            },
          },
        },
      },
      async (request, reply) => {
        const text = await deps.registry.metrics();
        const full = request.auth !== null;
        const body = full
          ? text
          : text
              .split('\n')
              .filter((line) => !SENSITIVE_METRICS.test(line))
              .join('\n');
        return reply.type(deps.registry.contentType).send(body);
      },
    );
  };
}
