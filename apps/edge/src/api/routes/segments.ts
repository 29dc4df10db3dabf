/**
 * Segments API: any system looks customers up by id. `segments:read` (owner, manager, staff).
 * Answers `{results: [{customerId, segment, segmentName}], notFound: [...]}`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UnitMl } from '../../ml/unit-ml.ts';
import { HttpProblem, problemResponses } from '../problems.ts';

const Result = z.object({
  customerId: z.string(),
  segment: z.number().int(),
  segmentName: z.string().describe('pt-BR name'),
  segmentNameEn: z.string(),
});

export const LookupBody = z.strictObject({
  customerIds: z.array(z.string().min(1).max(64)).min(1).max(1000),
});

export function segmentRoutes(ml: UnitMl): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/v1/segments/lookup',
      {
        config: { permission: 'segments:read' },
        schema: {
          tags: ['segments'],
          summary: 'Segments of one or many customers',
          body: LookupBody,
          response: {
            200: z.object({ results: z.array(Result), notFound: z.array(z.string()) }),
            ...problemResponses(400, 503),
          },
        },
      },
      async (request) => {
        const r = ml.lookupSegments(request.body.customerIds);
        if (r === undefined)
          throw new HttpProblem(
            503,
            'Segments are not fitted yet on this unit; they come with the first churn training.',
          );
        return r;
      },
    );
    app.get(
      '/api/v1/segments/:customerId',
      {
        config: { permission: 'segments:read' },
        schema: {
          tags: ['segments'],
          summary: 'Segment of one customer',
          params: z.object({ customerId: z.string().min(1).max(64) }),
          response: { 200: Result, ...problemResponses(404, 503) },
        },
      },
      async (request) => {
        const r = ml.lookupSegments([request.params.customerId]);
        if (r === undefined)
          throw new HttpProblem(
            503,
            'Segments are not fitted yet on this unit; they come with the first churn training.',
          );
        const hit = r.results[0];
        if (hit === undefined)
          throw new HttpProblem(
            404,
            `There is no segment for customer ${request.params.customerId} at this unit.`,
          );
        return hit;
      },
    );
  };
}
