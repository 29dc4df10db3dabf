import { HttpProblem } from '@gymedge/edge/api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { QuarantineItem, QuarantinePage, RetryOutcome, SyncSnapshot } from './snapshot.ts';

/** HQ's quarantine of changes from units: listed, explained, retried after an upgrade. */
export interface QuarantineSource {
  list(filter: { readonly unitId?: string; readonly open: boolean; readonly limit: number }): QuarantinePage;
  get(id: number): (QuarantineItem & { readonly bytesPreview: string }) | undefined;
  /** Tries the change again with this build's schemas and rules. */
  retry(id: number): Promise<RetryOutcome | undefined>;
}

/** What the HQ routes read. */
export interface HqRoutesDeps {
  readonly snapshot: () => SyncSnapshot;
  /** Calls `listener` whenever something the dashboard shows changed; returns the unsubscribe. */
  readonly onChange: (listener: () => void) => () => void;
  readonly quarantine: QuarantineSource;
  /** Seconds between snapshots on the event stream even when nothing changed (lag keeps growing). */
  readonly heartbeatSeconds?: number;
}

const QuarantineDetail = QuarantineItem.extend({
  bytesPreview: z.string().describe('the first bytes of the change, hex, for a developer'),
});

const NOT_FOUND = (id: number) => `There is no quarantined change ${id}.`;

/**
 * `GET /api/v1/units`, `GET /api/v1/sync/status`, the live stream `GET /api/v1/sync/events`
 * (text/event-stream; read it with fetch so the bearer token goes along) and the quarantine routes.
 */
export function hqRoutes(deps: HqRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api/v1/units',
      {
        config: { permission: 'system:read' },
        schema: {
          tags: ['sync'],
          summary: 'Every unit of the chain and its sync state',
          description: 'Online/offline, last seen, lag, documents, quarantine, members and check-ins today.',
          response: { 200: z.object({ items: SyncSnapshot.shape.units, at: z.string() }) },
        },
      },
      async () => {
        const snapshot = deps.snapshot();
        return { items: snapshot.units, at: snapshot.at };
      },
    );

    app.get(
      '/api/v1/sync/status',
      {
        config: { permission: 'system:read' },
        schema: {
          tags: ['sync'],
          summary: 'What the HQ sync dashboard shows: units, broker, chain figures',
          response: { 200: SyncSnapshot },
        },
      },
      async () => deps.snapshot(),
    );

    app.get(
      '/api/v1/sync/events',
      {
        config: { permission: 'system:read' },
        schema: {
          tags: ['sync'],
          summary: 'The dashboard snapshot, live (server-sent events)',
          description:
            'text/event-stream: an `event: snapshot` with the SyncSnapshot JSON at once, on every change (at ' +
            'most twice a second) and every few seconds. EventSource cannot send a bearer token: read it with ' +
            'fetch and a streaming body.',
        },
      },
      async (request, reply) => {
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-content-type-options': 'nosniff',
          'x-accel-buffering': 'no',
        });
        let last = 0;
        let timer: NodeJS.Timeout | undefined;
        const send = () => {
          timer = undefined;
          last = Date.now();
          raw.write(`event: snapshot\ndata: ${JSON.stringify(deps.snapshot())}\n\n`);
        };
        const soon = () => {
          if (timer !== undefined) return;
          timer = setTimeout(send, Math.max(0, 500 - (Date.now() - last)));
        };
        send();
        const unsubscribe = deps.onChange(soon);
        const heartbeat = setInterval(send, (deps.heartbeatSeconds ?? 3) * 1000);
        request.raw.once('close', () => {
          unsubscribe();
          clearInterval(heartbeat);
          if (timer !== undefined) clearTimeout(timer);
        });
      },
    );

    app.get(
      '/api/v1/quarantine',
      {
        config: { permission: 'system:read' },
        schema: {
          tags: ['sync'],
          summary: 'Changes from units that HQ kept aside',
          querystring: z.strictObject({
            unit: z.string().max(40).optional(),
            state: z.enum(['open', 'all']).default('open'),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: QuarantinePage },
        },
      },
      async (request) =>
        deps.quarantine.list({
          ...(request.query.unit === undefined ? {} : { unitId: request.query.unit }),
          open: request.query.state === 'open',
          limit: request.query.limit,
        }),
    );

    app.get(
      '/api/v1/quarantine/:id',
      {
        config: { permission: 'system:read' },
        schema: {
          tags: ['sync'],
          summary: 'One quarantined change: why it was not applied',
          params: z.strictObject({ id: z.coerce.number().int().positive() }),
          response: { 200: QuarantineDetail },
        },
      },
      async (request, reply) => {
        const item = deps.quarantine.get(request.params.id);
        if (item === undefined) {
          throw new HttpProblem(404, NOT_FOUND(request.params.id));
        }
        return reply.send(item);
      },
    );

    app.post(
      '/api/v1/quarantine/:id/retry',
      {
        config: { permission: 'sync:manage' },
        schema: {
          tags: ['sync'],
          summary: 'Try a quarantined change again (after an upgrade that understands it)',
          params: z.strictObject({ id: z.coerce.number().int().positive() }),
          response: { 200: RetryOutcome },
        },
      },
      async (request) => {
        const outcome = await deps.quarantine.retry(request.params.id);
        if (outcome === undefined) {
          throw new HttpProblem(404, NOT_FOUND(request.params.id));
        }
        return outcome;
      },
    );
  };
}
