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
    case 'string':
      if (bound === 'least' && limit === 1) return 'must not be empty';
      return `must have at ${bound} ${limit} character${limit === 1 ? '' : 's'}`;
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

/**
 * Turns zod issues into field errors: the first complaint per field (a date that is no date need not also
 * hear it is in the future), and each unknown key on its own line, named.
 */
export function fieldErrors(part: RequestPart, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const path = pathOf(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path, message: `unknown ${UNKNOWN_NAME[part]} "${key}"` });
      continue;
    }
    if (seen.has(path)) continue;
    seen.add(path);
    const wholeBody = path === '' && part === 'body' && issue.code === 'invalid_type';
    errors.push({ path, message: wholeBody ? 'the request body must be a JSON object' : issue.message });
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
    const result = schema.safeParse(data, { error: describeIssue });
    if (result.success) return { value: result.data };
    return { error: new RequestValidationError(part, fieldErrors(part, result.error.issues)) };
  };
};
