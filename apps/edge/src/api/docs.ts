import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform } from 'fastify-type-provider-zod';
import { PROBLEM_CONTENT_TYPE, problemExample, problemResponses } from './problems.ts';

const PROBLEM_MEDIA_TYPE = PROBLEM_CONTENT_TYPE.split(';')[0] ?? 'application/problem+json';

interface DocumentedResponse {
  description?: string;
  content?: Record<string, { schema?: unknown; examples?: unknown }>;
}

/**
 * Error responses are sent as `application/problem+json` (RFC 9457): say so in the document, with an
 * example each, instead of the generator's default `application/json`.
 */
export function problemMediaTypes<T>(openapi: T): T {
  const paths = (
    openapi as { paths?: Record<string, Record<string, { responses?: Record<string, DocumentedResponse> }>> }
  ).paths;
  for (const operations of Object.values(paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const code = Number(status);
        const json = response.content?.['application/json'];
        if (!(code >= 400) || json === undefined || response.content === undefined) continue;
        delete response.content['application/json'];
        response.content[PROBLEM_MEDIA_TYPE] = {
          ...json,
          examples: { [String(code)]: { value: problemExample(code) } },
        };
      }
    }
  }
  return openapi;
}

export const DOCS_PREFIX = '/api/docs';

/**
 * Every protected route says in the OpenAPI document that it takes a bearer token, which permission it
 * needs, and that it may answer 401 or 403; routes never repeat that by hand.
 */
function documentAccess(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    if (config.public === true || route.schema === undefined) return;
    const schema = route.schema;
    const response = typeof schema.response === 'object' && schema.response !== null ? schema.response : {};
    const needed = typeof config.permission === 'string' ? [config.permission] : (config.permission ?? []);
    const line = `Needs the permission ${needed.join(' or ')}.`;
    route.schema = {
      ...schema,
      security: schema.security ?? [{ bearerAuth: [] }],
      description: schema.description ? `${schema.description}\n\n${line}` : line,
      response: { ...problemResponses(401, 403), ...response },
    };
  });
}

/** OpenAPI 3.1 at `/api/docs/json` (from the zod schemas) and Swagger UI at `/api/docs`. */
export async function registerDocs(app: FastifyInstance, info: { unitId: string; version: string }) {
  documentAccess(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `GymEdge unit API (${info.unitId})`,
        version: info.version,
        description:
          'The API of one gym unit. Sign in with POST /api/v1/auth/login and send the token as ' +
          '"Authorization: Bearer TOKEN" (the token from the sign-in). Errors are application/problem+json (RFC 9457).',
      },
      tags: [
        { name: 'auth', description: 'Sign in, refresh, who am I' },
        { name: 'members', description: 'Members of this unit' },
        { name: 'system', description: 'Health and metrics' },
      ],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: (documentObject) =>
      problemMediaTypes(
        'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject,
      ),
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: true });
}
