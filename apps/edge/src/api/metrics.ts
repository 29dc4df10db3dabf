import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, type Registry } from 'prom-client';

/** The API's own metrics, registered in the registry the composition root passes in. */
export interface ApiMetrics {
  /** `http_request_duration_seconds{method,route,status_code}`: route is the template, never the raw URL. */
  readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** `gymedge_api_problems_total{status,type}`: every error response, by status and problem type. */
  readonly problems: Counter<'status' | 'type'>;
  /** `gymedge_auth_logins_total{outcome}`: ok, invalid, inactive, wrong_unit, rate_limited. */
  readonly logins: Counter<'outcome'>;
}

/** Reuses a metric already in the registry (two APIs in one process may share one). */
function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  if (registry.getSingleMetric('process_cpu_user_seconds_total') === undefined) {
    collectDefaultMetrics({ register: registry });
  }
  const registers = [registry];
  return {
    requestDuration: metric(
      registry,
      'http_request_duration_seconds',
      () =>
        new Histogram({
          name: 'http_request_duration_seconds',
          help: 'Time to answer an HTTP request, by route template, method and status',
          labelNames: ['method', 'route', 'status_code'],
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers,
        }),
    ),
    problems: metric(
      registry,
      'gymedge_api_problems_total',
      () =>
        new Counter({
          name: 'gymedge_api_problems_total',
          help: 'Error responses (problem+json) sent, by status and problem type',
          labelNames: ['status', 'type'],
          registers,
        }),
    ),
    logins: metric(
      registry,
      'gymedge_auth_logins_total',
      () =>
        new Counter({
          name: 'gymedge_auth_logins_total',
          help: 'Sign-in attempts, by outcome',
          labelNames: ['outcome'],
          registers,
        }),
    ),
  };
}

/** Times every request (including 404s and errors) into the duration histogram. */
export function installRequestTiming(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.requestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
