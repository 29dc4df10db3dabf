import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';

/** One thing wrong with a request, as a front-desk person reads it: `email: must be an e-mail address…`. */
export interface FieldError {
  /** Dotted path of the field (`consent.marketing`); empty for the request part as a whole. */
  readonly path: string;
  readonly message: string;
}

/** Which part of the request a schema checks (Fastify's `httpPart`). */
export type RequestPart = 'body' | 'querystring' | 'params' | 'headers';

/** Thrown by {@link zodValidatorCompiler}; the problem handler turns it into a 400 listing every field. */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  readonly statusCode = 400;
  constructor(
    readonly part: RequestPart,
    readonly errors: readonly FieldError[],
  ) {
    super(errors.map(formatFieldError).join('; '));
  }
}

export function formatFieldError(error: FieldError): string {
  return error.path === '' ? error.message : `${error.path}: ${error.message}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
};

const FORMAT_NAMES: Record<string, string> = {
  email: 'an e-mail address like ana@example.com',
  date: 'a date like 2026-11-25',
  datetime: 'a UTC time like 2026-11-25T13:05:00Z',
  uuid: 'a UUID',
  url: 'a web address',
};

type Issue = z.core.$ZodRawIssue;

function sizeMessage(issue: Issue, bound: 'least' | 'most'): string {
  const limit = Number(bound === 'least' ? issue.minimum : issue.maximum);
  switch (issue.origin) {
    case 'string': {
      if (bound === 'least' && limit === 1) return 'must not be empty';
      const rule = `must have at ${bound} ${limit} character${limit === 1 ? '' : 's'}`;
      const length = typeof issue.input === 'string' ? issue.input.length : undefined;
      return bound === 'most' && length !== undefined && length > limit * 2
        ? `is ${length.toLocaleString('en-US')} characters long; it ${rule}`
        : rule;
    }
    case 'array':
    case 'set':
      return `must have at ${bound} ${limit} item${limit === 1 ? '' : 's'}`;
    default:
      if (issue.inclusive === false) return `must be ${bound === 'least' ? 'more' : 'less'} than ${limit}`;
      return `must be at ${bound} ${limit}`;
  }
}

/**
 * Plain-language messages for zod's built-in checks. A message a schema sets itself (like the ones in
 * `domain/member.ts`) wins over these: zod consults a per-parse error map only when the schema has none.
 */
export function describeIssue(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const expected = String(issue.expected);
      return `must be ${TYPE_NAMES[expected] ?? expected}`;
    }
    case 'too_small':
      return sizeMessage(issue, 'least');
    case 'too_big':
      return sizeMessage(issue, 'most');
    case 'invalid_format': {
      const format = String(issue.format);
      if (format === 'regex') return 'holds characters that are not allowed here';
      return `must be ${FORMAT_NAMES[format] ?? `a valid ${format}`}`;
    }
    case 'invalid_value': {
      const values = Array.isArray(issue.values) ? issue.values.map(String) : [];
      return values.length === 1 ? `must be ${values[0]}` : `must be one of: ${values.join(', ')}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return 'has unknown fields';
    case 'invalid_union':
      return 'has the wrong type or format';
    default:
      return 'is not valid';
  }
}

const UNKNOWN_NAME: Record<RequestPart, string> = {
  body: 'field',
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
};

function pathOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Longer than any e-mail, date or id can be: such a value hears its length, not the shape it lacks. */
const FAR_TOO_LONG = 1000;

function messageOf(issue: z.core.$ZodIssue): string {
  const input: unknown = 'input' in issue ? issue.input : undefined;
  if (typeof input === 'string') {
    const length = input.length.toLocaleString('en-US');
    // A schema's own message (an e-mail "must look like ana@example.com") also labels its length check.
    if (issue.code === 'too_big' && issue.origin === 'string') {
      const rule = `must have at most ${String(issue.maximum)} characters`;
      return input.length > Number(issue.maximum) * 2 ? `is ${length} characters long; it ${rule}` : rule;
    }
    if (issue.code === 'invalid_format' && input.length > FAR_TOO_LONG) {
      return `is ${length} characters long, far too long to be valid here`;
    }
  }
  return issue.message;
}

/**
 * Turns zod issues into field errors: the first complaint per field (a date that is no date need not also
 * hear it is in the future), and each unknown key on its own line, named.
 */
export function fieldErrors(part: RequestPart, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  // A value that is too long is told so first: a 60 KB e-mail needs to hear its length, not its shape.
  const tooBig = new Set(
    issues.filter((issue) => issue.code === 'too_big').map((issue) => pathOf(issue.path)),
  );
  for (const issue of issues) {
    const path = pathOf(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path, message: `unknown ${UNKNOWN_NAME[part]} "${key}"` });
      continue;
    }
    if (tooBig.has(path) && issue.code !== 'too_big') continue;
    if (seen.has(path)) continue;
    seen.add(path);
    const wholeBody = path === '' && part === 'body' && issue.code === 'invalid_type';
    errors.push({ path, message: wholeBody ? 'the request body must be a JSON object' : messageOf(issue) });
  }
  return errors;
}

/**
 * Fastify validator compiler for zod schemas. Does what fastify-type-provider-zod's `validatorCompiler`
 * does (parse, hand the parsed value to the handler) but with {@link describeIssue} as the error map,
 * so every message is one a person at the front desk can act on.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const part: RequestPart =
    httpPart === 'querystring' || httpPart === 'params' || httpPart === 'headers' ? httpPart : 'body';
  return (data) => {
    // `reportInput` lets a message say how long a refused value is; the value itself is never shown.
    const result = schema.safeParse(data, { error: describeIssue, reportInput: true });
    if (result.success) return { value: result.data };
    return { error: new RequestValidationError(part, fieldErrors(part, result.error.issues)) };
  };
};

/** Why a JSON body was refused, found by parsing it ourselves (Fastify's own parser hides the cause). */
export class JsonBodyError extends Error {
  override readonly name = 'JsonBodyError';
  readonly statusCode = 400;
  constructor(
    readonly code: 'FST_ERR_CTP_EMPTY_JSON_BODY' | 'FST_ERR_CTP_INVALID_JSON_BODY' | 'GYMEDGE_FORBIDDEN_KEY',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses a JSON body and refuses keys that could alter objects on the server (`__proto__`, and
 * `constructor` holding `prototype`), saying so, instead of calling them "not valid JSON".
 */
export function parseJsonBody(body: string): unknown {
  if (body.trim() === '') throw new JsonBodyError('FST_ERR_CTP_EMPTY_JSON_BODY', 'empty JSON body');
  let forbidden: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(body, (key, item: unknown) => {
      if (key === '__proto__') forbidden ??= '__proto__';
      else if (key === 'constructor' && typeof item === 'object' && item !== null && 'prototype' in item) {
        forbidden ??= 'constructor.prototype';
      }
      return item;
    });
  } catch {
    throw new JsonBodyError('FST_ERR_CTP_INVALID_JSON_BODY', 'body is not valid JSON');
  }
  if (forbidden !== undefined) {
    throw new JsonBodyError(
      'GYMEDGE_FORBIDDEN_KEY',
      `The request body is valid JSON, but it has a "${forbidden}" key, which is refused because it could change how the server's objects behave. Remove or rename that key.`,
    );
  }
  return value;
}
