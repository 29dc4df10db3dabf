import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConflictError, InputError, NotFoundError } from '../services/contracts.ts';
import { type FieldError, formatFieldError, RequestValidationError } from './validation.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** RFC 9457 problem details: the body of every error response. */
export const Problem = z
  .object({
    type: z.string().describe('a URN naming the kind of problem, e.g. urn:gymedge:problem:validation'),
    title: z.string().describe('short, the same for every problem of this type'),
    status: z.number().int(),
    detail: z.string().describe('what went wrong with this request, in plain words'),
    instance: z.string().describe('the path of the request'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('one entry per invalid field'),
    conflict: z
      .object({
        memberId: z.string(),
        field: z.string().describe('document (CPF), email or externalRef'),
        name: z.string().optional(),
      })
      .optional()
      .describe('for a 409 on a repeated CPF or e-mail: the member already registered with it'),
  })
  .describe('RFC 9457 problem details (application/problem+json)');
export type Problem = z.infer<typeof Problem>;

const TITLES: Record<number, [slug: string, title: string]> = {
  400: ['bad-request', 'The request is not valid'],
  401: ['unauthorized', 'Sign-in required'],
  403: ['forbidden', 'Not allowed'],
  404: ['not-found', 'Not found'],
  409: ['conflict', 'Conflict'],
  413: ['payload-too-large', 'Request too large'],
  415: ['unsupported-media-type', 'Unsupported content type'],
  429: ['rate-limited', 'Too many attempts'],
  500: ['internal-error', 'Something went wrong'],
  503: ['unavailable', 'Service unavailable'],
};

/** An error that already knows its HTTP status and the sentence to show. Throw it from a route or hook. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly statusCode: number,
    readonly detail: string,
    readonly options: {
      readonly slug?: string;
      readonly title?: string;
      readonly errors?: readonly FieldError[];
      readonly headers?: Readonly<Record<string, string>>;
      readonly conflict?: { readonly memberId: string; readonly field: string; readonly name?: string };
    } = {},
  ) {
    super(detail);
  }
}

export const WWW_AUTHENTICATE = 'Bearer realm="gymedge"';

export function unauthorized(detail: string, tokenError = false): HttpProblem {
  const challenge = tokenError ? `${WWW_AUTHENTICATE}, error="invalid_token"` : WWW_AUTHENTICATE;
  return new HttpProblem(401, detail, { headers: { 'www-authenticate': challenge } });
}

export function forbidden(detail: string): HttpProblem {
  return new HttpProblem(403, detail);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

interface FrameworkError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
}

/** What Fastify's own errors mean, in words (the codes are stable; their messages are for developers). */
function frameworkProblem(error: FrameworkError, request: FastifyRequest, bodyLimit: number): HttpProblem {
  switch (error.code) {
    case 'GYMEDGE_FORBIDDEN_KEY':
      return new HttpProblem(400, String((error as { message?: unknown }).message), {
        slug: 'forbidden-key',
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpProblem(400, 'The request body is not valid JSON. Check for missing quotes or commas.', {
        slug: 'malformed-json',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpProblem(400, 'The request says it carries JSON, but its body is empty.', {
        slug: 'malformed-json',
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem(413, `The request body is larger than the limit of ${formatBytes(bodyLimit)}.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request.headers['content-type'] ?? 'none';
      return new HttpProblem(415, `This endpoint accepts only application/json bodies, not ${type}.`);
    }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpProblem(400, 'The Content-Length header does not match the body that was sent.');
  }
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    // JSON with "__proto__" is refused as malformed, never merged.
    if (status === 400)
      return new HttpProblem(400, 'The request could not be read.', { slug: 'malformed-json' });
    return new HttpProblem(status, 'The request could not be handled.');
  }
  return internal(request);
}

function internal(request: FastifyRequest): HttpProblem {
  return new HttpProblem(
    500,
    `Something went wrong on our side. It was logged with reference ${request.id}; ` +
      'please try again, and tell the unit manager if it keeps happening.',
  );
}

/** Maps any thrown value to the problem to send; never copies an internal message or stack. */
export function toHttpProblem(error: unknown, request: FastifyRequest, bodyLimit: number): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof RequestValidationError) {
    const lines = error.errors.map(formatFieldError);
    return new HttpProblem(400, `Please correct: ${lines.join('; ')}.`, {
      slug: 'validation',
      errors: error.errors,
    });
  }
  if (error instanceof NotFoundError) return new HttpProblem(404, error.message);
  if (error instanceof ConflictError) {
    const other = error.conflictsWith;
    return new HttpProblem(
      409,
      error.message,
      other === undefined
        ? {}
        : {
            slug: 'duplicate',
            conflict: {
              memberId: other.id,
              field: other.field,
              ...(other.name === undefined ? {} : { name: other.name }),
            },
          },
    );
  }
  if (error instanceof InputError) return new HttpProblem(400, error.message, { slug: 'validation' });
  if (typeof error === 'object' && error !== null && 'code' in error) {
    return frameworkProblem(error, request, bodyLimit);
  }
  return internal(request);
}

/** The path of the request without its query (the query may hold a member's name or CPF). */
function instanceOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query < 0 ? request.url : request.url.slice(0, query);
}

export function problemBody(problem: HttpProblem, request: FastifyRequest): Problem {
  const [slug, title] = TITLES[problem.statusCode] ?? ['error', 'Error'];
  return {
    type: `urn:gymedge:problem:${problem.options.slug ?? slug}`,
    title: problem.options.title ?? title,
    status: problem.statusCode,
    detail: problem.detail,
    instance: instanceOf(request),
    ...(problem.options.errors ? { errors: [...problem.options.errors] } : {}),
    ...(problem.options.conflict ? { conflict: { ...problem.options.conflict } } : {}),
  };
}

/** Sends a problem as `application/problem+json` (a string, so no route schema re-serializes it). */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  problem: HttpProblem,
): FastifyReply {
  for (const [name, value] of Object.entries(problem.options.headers ?? {})) reply.header(name, value);
  return reply
    .code(problem.statusCode)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(problem, request)));
}

const EXAMPLE_DETAIL: Record<number, string> = {
  400: 'Please correct: email must be an e-mail address like ana@example.com.',
  401: 'Please sign in: this needs a bearer token from POST /api/v1/auth/login.',
  403: 'Your role (kiosk) may not do this: it needs the permission members:write.',
  404: 'There is no member member:01JD8Q6W0C5V3T2YH4N8K9M7PA at this unit.',
  409: 'A member with this CPF is already registered at this unit: Ana Lima (member:01JD8Q6W0C5V3T2YH4N8K9M7PA).',
  413: 'The request body is larger than the limit of 64 KiB.',
  415: 'This endpoint accepts only application/json bodies, not text/plain.',
  429: 'Too many sign-in attempts from this address. Please wait 42 seconds and try again.',
  503: 'The unit cannot serve this right now.',
};

/** An example problem of this status, for the OpenAPI document. */
export function problemExample(status: number): Problem {
  const [slug, title] = TITLES[status] ?? ['error', 'Error'];
  return {
    type: `urn:gymedge:problem:${slug}`,
    title,
    status,
    detail: EXAMPLE_DETAIL[status] ?? title,
    instance: '/api/v1/members',
  };
}

/**
 * Problem responses a route may give, for its OpenAPI entry. The document generator (docs.ts) lists them
 * as `application/problem+json`, the media type they are sent with, each with an example.
 */
export function problemResponses(...statuses: number[]): Record<number, typeof Problem> {
  return Object.fromEntries(
    statuses.map((status) => [status, Problem.describe(TITLES[status]?.[1] ?? 'Error')]),
  );
}
