/**
 * Churn API: scores with reasons for given members, the ranked risk list, the model registry, and
 * promote / rollback / retrain for managers. Role-gated: `churn:read` (owner, manager, staff) and
 * `churn:admin` (owner, manager).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UnitMl } from '../../ml/unit-ml.ts';
import { HttpProblem, problemResponses } from '../problems.ts';

const ReasonView = z.object({
  feature: z.string(),
  impact: z.number().describe('SHAP value in log-odds: how much this raises the risk'),
  pt: z.string(),
  en: z.string(),
  actionPt: z.string(),
  actionEn: z.string(),
});

export const RiskView = z.object({
  customerId: z.string(),
  probability: z.number().min(0).max(1),
  reasons: z.array(ReasonView),
  segment: z.object({ id: z.number(), name: z.string(), nameEn: z.string() }).optional(),
});

const ModelInfo = z.object({
  state: z.enum(['idle', 'training', 'ready', 'no-model', 'failed']),
  message: z.string().optional(),
  version: z.number().optional(),
  champion: z.string().optional(),
  trainedAt: z.string().optional(),
  testRocAuc: z.number().optional(),
  scoredAt: z.string().optional(),
});

export const ScoreBody = z.strictObject({
  customerIds: z.array(z.string().min(1).max(64)).min(1).max(500),
});

function modelInfo(ml: UnitMl): z.infer<typeof ModelInfo> {
  const s = ml.status();
  const info: z.infer<typeof ModelInfo> = { state: s.state };
  if (s.message !== undefined) info.message = s.message;
  if (s.champion !== undefined) {
    info.version = s.champion.version;
    info.trainedAt = s.champion.trainedAt;
    if (Number.isFinite(s.champion.testRocAuc)) info.testRocAuc = s.champion.testRocAuc;
    const run = ml.registry.run(s.champion.runId);
    const kind = run?.params.champion;
    if (typeof kind === 'string') info.champion = kind;
  }
  if (s.scoredAt !== undefined) info.scoredAt = s.scoredAt;
  return info;
}

function noModel(ml: UnitMl): HttpProblem {
  const s = ml.status();
  return new HttpProblem(
    503,
    s.state === 'training'
      ? 'The churn model is being trained on this unit; try again in a minute.'
      : `There is no churn model on this unit yet${s.message ? `: ${s.message}` : ''}.`,
  );
}

export function churnRoutes(ml: UnitMl): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/v1/churn/score',
      {
        config: { permission: 'churn:read' },
        schema: {
          tags: ['churn'],
          summary: 'Churn risk of the given members, with the top 3 reasons and actions',
          body: ScoreBody,
          response: {
            200: z.object({ results: z.array(RiskView), notFound: z.array(z.string()), model: ModelInfo }),
            ...problemResponses(400, 503),
          },
        },
      },
      async (request) => {
        if (ml.status().champion === undefined) throw noModel(ml);
        const r = ml.score(request.body.customerIds);
        return { ...r, model: modelInfo(ml) };
      },
    );

    app.get(
      '/api/v1/churn/risk',
      {
        config: { permission: 'churn:read' },
        schema: {
          tags: ['churn'],
          summary: 'Members ranked by churn risk, riskiest first, with reasons',
          querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(50) }),
          response: {
            200: z.object({ items: z.array(RiskView), model: ModelInfo }),
            ...problemResponses(400, 503),
          },
        },
      },
      async (request) => {
        if (ml.status().champion === undefined) throw noModel(ml);
        return { items: ml.risk(request.query.limit), model: modelInfo(ml) };
      },
    );

    app.get(
      '/api/v1/churn/models',
      {
        config: { permission: 'churn:read' },
        schema: {
          tags: ['churn'],
          summary: 'Registered model versions, their runs and monitoring (AUC on later labels, PSI)',
          response: {
            200: z.object({
              model: ModelInfo,
              versions: z.array(
                z.object({
                  version: z.number(),
                  stage: z.enum(['champion', 'challenger', 'archived']),
                  createdAt: z.string(),
                  runId: z.number(),
                  metrics: z.record(z.string(), z.number().nullable()),
                  params: z.record(z.string(), z.unknown()),
                  dataFingerprint: z.string().nullable(),
                }),
              ),
              monitor: z.array(
                z.object({
                  at: z.string(),
                  version: z.number(),
                  kind: z.string(),
                  feature: z.string().nullable(),
                  value: z.number(),
                }),
              ),
            }),
          },
        },
      },
      async () => ({
        model: modelInfo(ml),
        versions: ml.registry.versions('churn').map((v) => {
          const run = ml.registry.run(v.runId);
          return {
            version: v.version,
            stage: v.stage,
            createdAt: v.createdAt,
            runId: v.runId,
            metrics: Object.fromEntries(
              Object.entries(run?.metrics ?? {}).map(([k, x]) => [k, Number.isFinite(x) ? x : null]),
            ),
            params: run?.params ?? {},
            dataFingerprint: run?.dataFingerprint ?? null,
          };
        }),
        monitor: ml.registry.monitor('churn', 100),
      }),
    );

    const VersionOut = z.object({ version: z.number(), stage: z.string() });
    app.post(
      '/api/v1/churn/models/:version/promote',
      {
        config: { permission: 'churn:admin' },
        schema: {
          tags: ['churn'],
          summary: 'Make a model version the champion',
          params: z.object({ version: z.coerce.number().int().min(1) }),
          response: { 200: VersionOut, ...problemResponses(400, 404) },
        },
      },
      async (request) => {
        try {
          const v = await ml.promote(request.params.version);
          return { version: v.version, stage: v.stage };
        } catch (error) {
          throw new HttpProblem(404, error instanceof Error ? error.message : String(error));
        }
      },
    );

    app.post(
      '/api/v1/churn/models/rollback',
      {
        config: { permission: 'churn:admin' },
        schema: {
          tags: ['churn'],
          summary: 'Put back the previous champion',
          response: { 200: VersionOut, ...problemResponses(409) },
        },
      },
      async () => {
        try {
          const v = await ml.rollback();
          return { version: v.version, stage: v.stage };
        } catch (error) {
          throw new HttpProblem(409, error instanceof Error ? error.message : String(error));
        }
      },
    );

    app.post(
      '/api/v1/churn/retrain',
      {
        config: { permission: 'churn:admin' },
        schema: {
          tags: ['churn'],
          summary: 'Retrain now on this unit’s data (runs in the background)',
          response: { 202: z.object({ accepted: z.literal(true) }) },
        },
      },
      async (_request, reply) => {
        void ml.retrain('requested');
        return reply.code(202).send({ accepted: true as const });
      },
    );
  };
}
