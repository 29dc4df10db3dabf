import { renameSync } from 'node:fs';
import { Inbox } from '@gymedge/store';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../src/lib/logger.ts';
import { createHarness, type Harness, PASSWORD } from './support/api-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe('/health, on the real unit', () => {
  test('200 with the real report when ok, without the storage path', async () => {
    const response = await h.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({
      status: 'ok',
      unitId: 'sp-paulista',
      storage: { ok: true, quarantined: 0 },
    });
    expect(report.storage.documents).toBeGreaterThan(0);
    expect(report.storage).not.toHaveProperty('path');
    expect(report.reasons).toBeUndefined();
  });

  test('503 when a change waits in quarantine, saying why', async () => {
    const q = await createHarness();
    try {
      const inbox = new Inbox({ store: q.unit.store, db: q.unit.db, logger: silentLogger() });
      const result = await inbox.receive(
        'member:01JD8Q6W0C5V3T2YH4N8K9M7PA',
        new TextEncoder().encode('not automerge at all'),
        'rj-copacabana',
      );
      expect(result).toMatchObject({ quarantined: 1 });
      const response = await q.app.inject({ url: '/health' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toMatchObject({ status: 'degraded', storage: { quarantined: 1 } });
      expect(response.json().reasons.join(' ')).toMatch(/1 change\(s\) in quarantine/);
    } finally {
      await q.close();
    }
  });

  test('503 when the data disk is (nearly) full', async () => {
    const full = await createHarness({ minFreeBytes: Number.MAX_SAFE_INTEGER });
    try {
      const response = await full.app.inject({ url: '/health' });
      expect(response.statusCode).toBe(503);
      expect(response.json().storage.ok).toBe(false);
      expect(response.json().reasons.join(' ')).toMatch(/MiB free on the data disk/);
    } finally {
      await full.close();
    }
  });

  test('503 when the data folder cannot be written', async () => {
    const gone = await createHarness();
    try {
      // Root ignores file modes, so take the folder away (the open database keeps working).
      renameSync(gone.dir, `${gone.dir}-moved`);
      const response = await gone.app.inject({ url: '/health' });
      expect(response.statusCode).toBe(503);
      expect(response.json().reasons.join(' ')).toMatch(/data folder cannot be written \(ENOENT\)/);
      renameSync(`${gone.dir}-moved`, gone.dir);
    } finally {
      await gone.close();
    }
  });

  test('the full report, with the path, needs system:read', async () => {
    const as = async (role: 'owner' | 'staff') =>
      h.app.inject({
        url: '/api/v1/system/health',
        headers: { authorization: `Bearer ${await h.tokenFor(role)}` },
      });
    const owner = await as('owner');
    expect(owner.statusCode).toBe(200);
    expect(owner.json().storage.path).toBe(h.dir);
    const staff = await as('staff');
    expect(staff.statusCode).toBe(403);
    expect(staff.json().detail).toContain('system:read');
  });
});

describe('/metrics', () => {
  test('Prometheus text with process metrics, the HTTP histogram by route, and our counters', async () => {
    const token = await h.tokenFor('staff');
    await h.app.inject({
      url: `/api/v1/members/${h.ownMemberId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    await h.app.inject({ url: '/api/v1/members/not-an-id', headers: { authorization: `Bearer ${token}` } });
    await h.app.inject({ url: '/no/such/route' });
    const response = await h.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${await h.tokenFor('manager')}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/members\/:id",status_code="200"\} 1/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\}/,
    );
    expect(text).not.toContain('/no/such/route');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toMatch(/gymedge_api_problems_total\{status="400",type="validation"\} 1/);
    expect(text).toContain('# TYPE gymedge_auth_logins_total counter');
  });

  test('from another machine it needs a token with system:metrics; from this machine it hides sign-in counters', async () => {
    const remote = await h.app.inject({ url: '/metrics', remoteAddress: '10.0.0.7' });
    expect(remote.statusCode).toBe(401);
    const staff = await h.app.inject({
      url: '/metrics',
      remoteAddress: '10.0.0.7',
      headers: { authorization: `Bearer ${await h.tokenFor('staff')}` },
    });
    expect(staff.statusCode).toBe(403);
    expect(staff.json().detail).toContain('system:metrics');
    const proxied = await h.app.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.statusCode).toBe(401);
    const local = await h.app.inject({ url: '/metrics' });
    expect(local.statusCode).toBe(200);
    expect(local.body).toContain('process_cpu_user_seconds_total');
    expect(local.body).not.toContain('gymedge_auth_');
  });

  test('two APIs can share one registry', async () => {
    const { Registry } = await import('prom-client');
    const { createApiMetrics } = await import('../src/api/metrics.ts');
    const registry = new Registry();
    expect(createApiMetrics(registry).requestDuration).toBe(createApiMetrics(registry).requestDuration);
  });
});

interface Operation {
  tags?: string[];
  summary?: string;
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, unknown>;
  description?: string;
}

describe('/api/docs', () => {
  test('the OpenAPI document lists every route with tags, summary and bearer security', async () => {
    const response = await h.app.inject({ url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const spec = response.json() as {
      openapi: string;
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, Operation>>;
    };
    expect(spec.openapi).toMatch(/^3\./);
    expect(spec.components.securitySchemes.bearerAuth).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        key: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    );
    expect(operations.map((o) => o.key).sort()).toEqual(
      [
        'DELETE /api/v1/members/{id}',
        'GET /api/v1/auth/me',
        'GET /api/v1/members',
        'GET /api/v1/members/{id}',
        'GET /api/v1/system/health',
        'GET /',
        'GET /health',
        'GET /metrics',
        'PATCH /api/v1/members/{id}',
        'POST /api/v1/auth/login',
        'POST /api/v1/auth/logout',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/members',
      ].sort(),
    );
    const publicOnes = new Set(['GET /', 'GET /health', 'POST /api/v1/auth/login']);
    for (const { key, operation } of operations) {
      expect(operation.tags?.length, key).toBeGreaterThan(0);
      expect(operation.summary, key).toEqual(expect.any(String));
      if (publicOnes.has(key)) {
        expect(operation.security ?? [], key).toEqual([]);
      } else {
        expect(operation.security, key).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(operation.responses ?? {}), key).toEqual(expect.arrayContaining(['401', '403']));
        expect(operation.description, key).toMatch(/Needs the permission/);
      }
    }
    const create = spec.paths['/api/v1/members']?.post as Operation & { requestBody?: unknown };
    expect(JSON.stringify(create.requestBody)).toContain('"name"');
  });

  test('the Swagger UI page is served with a content security policy', async () => {
    const response = await h.app.inject({ url: '/api/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['content-security-policy']).toContain("object-src 'none'");
  });
});

describe('the status page', () => {
  test('explains the unit in pt-BR by default and in English on request, without leaking markup', async () => {
    const pt = await h.app.inject({ url: '/' });
    expect(pt.statusCode).toBe(200);
    expect(pt.headers['content-type']).toMatch(/^text\/html/);
    expect(pt.body).toContain('Sincronização com a matriz');
    expect(pt.body).toContain('<html lang="pt-BR">');
    const en = await h.app.inject({ url: '/?lang=en' });
    expect(en.body).toContain('Sync with HQ');
    const byHeader = await h.app.inject({ url: '/', headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(byHeader.body).toContain('<html lang="en">');
    expect(en.headers['content-security-policy']).toContain("default-src 'none'");
    // A language the unit does not have falls back to one it has, never a raw JSON 400.
    const de = await h.app.inject({ url: '/?lang=de' });
    expect(de.statusCode).toBe(200);
    expect(de.headers['content-type']).toMatch(/^text\/html/);
    expect(de.body).toContain('<html lang="pt-BR">');
    const deWithBrowser = await h.app.inject({
      url: '/?lang=de',
      headers: { 'accept-language': 'de-DE,en;q=0.8' },
    });
    expect(deWithBrowser.body).toContain('<html lang="en">');
    expect((await h.app.inject({ url: '/?lang=en-GB' })).body).toContain('<html lang="en">');
    const bad = await h.app.inject({ url: '/?lang=<script>' });
    expect(bad.statusCode).toBe(200);
    expect(bad.body).not.toContain('<script>');
  });
});

describe('security headers', () => {
  test('every response says nosniff; API responses are never cached', async () => {
    const token = await h.tokenFor('staff');
    for (const [url, auth] of [
      ['/health', false],
      ['/api/v1/auth/me', true],
      ['/api/v1/members', false],
      ['/api/v1/nowhere', true],
    ] as const) {
      const response = await h.app.inject({ url, headers: auth ? { authorization: `Bearer ${token}` } : {} });
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['x-request-id'], url).toEqual(expect.any(String));
      if (url.startsWith('/api/')) expect(response.headers['cache-control'], url).toBe('no-store');
    }
  });
});

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

/** The few JSON Schema rules the generated document uses; returns what does not match, or []. */
function mismatches(schema: JsonSchema, value: unknown, at = '$'): string[] {
  if (schema.anyOf ?? schema.oneOf) {
    const options = schema.anyOf ?? schema.oneOf ?? [];
    return options.some((option) => mismatches(option, value, at).length === 0)
      ? []
      : [`${at}: matches no option`];
  }
  if (schema.const !== undefined && value !== schema.const) return [`${at}: is not ${String(schema.const)}`];
  if (schema.enum !== undefined && !schema.enum.includes(value))
    return [`${at}: ${String(value)} not in enum`];
  const types = schema.type === undefined ? [] : [schema.type].flat();
  const kind =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : Number.isInteger(value)
          ? 'integer'
          : typeof value;
  if (types.length > 0 && !types.includes(kind) && !(kind === 'integer' && types.includes('number'))) {
    return [`${at}: is ${kind}, documented as ${types.join('|')}`];
  }
  const out: string[] = [];
  if (kind === 'object' && value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? [])
      if (!(key in record)) out.push(`${at}.${key}: required, missing`);
    for (const [key, item] of Object.entries(record)) {
      const property = schema.properties?.[key];
      if (property !== undefined) out.push(...mismatches(property, item, `${at}.${key}`));
      else if (schema.additionalProperties === false) out.push(`${at}.${key}: not documented`);
    }
  }
  if (kind === 'array' && Array.isArray(value) && schema.items !== undefined) {
    const items = schema.items;
    value.forEach((item, i) => {
      out.push(...mismatches(items, item, `${at}[${i}]`));
    });
  }
  return out;
}

describe('the OpenAPI document matches what the API really sends', () => {
  test('status, media type and body of real responses, for every route and the common errors', async () => {
    const spec = (await h.app.inject({ url: '/api/docs/json' })).json() as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> }>
      >;
    };
    const manager = await h.tokenFor('manager');
    const kiosk = await h.tokenFor('kiosk');
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/members',
      headers: auth(manager),
      payload: { name: 'Wire Pessoa', email: 'wire@example.com', document: '390.533.447-05' },
    });
    const id = created.json().id as string;
    const cases: Array<{
      route: string;
      method: string;
      response: Awaited<ReturnType<typeof h.app.inject>>;
    }> = [
      { route: '/api/v1/members', method: 'post', response: created },
      ...(await Promise.all(
        (
          [
            [
              '/api/v1/members',
              'POST',
              '/api/v1/members',
              manager,
              { name: 'Outra', email: 'wire@example.com' },
            ],
            ['/api/v1/members', 'POST', '/api/v1/members', manager, { name: 'x', email: 'nope' }],
            ['/api/v1/members', 'POST', '/api/v1/members', kiosk, { name: 'Kiosk Tenta' }],
            ['/api/v1/members', 'POST', '/api/v1/members', undefined, { name: 'Sem Token' }],
            ['/api/v1/members', 'POST', '/api/v1/members', manager, { name: 'y'.repeat(70_000) }],
            ['/api/v1/members', 'GET', '/api/v1/members?q=wire', manager, undefined],
            ['/api/v1/members', 'GET', '/api/v1/members?q=Wire%20Pessoa', kiosk, undefined],
            ['/api/v1/members/{id}', 'GET', `/api/v1/members/${id}`, manager, undefined],
            [
              '/api/v1/members/{id}',
              'GET',
              '/api/v1/members/member:01JD8Q6W0C5V3T2YH4N8K9M7PA',
              manager,
              undefined,
            ],
            ['/api/v1/members/{id}', 'GET', '/api/v1/members/bad', manager, undefined],
            [
              '/api/v1/members/{id}',
              'PATCH',
              `/api/v1/members/${id}`,
              manager,
              { region: undefined, consent: { marketing: true } },
            ],
            [
              '/api/v1/auth/login',
              'POST',
              '/api/v1/auth/login',
              undefined,
              { login: 'staff@example.com', password: PASSWORD },
            ],
            [
              '/api/v1/auth/login',
              'POST',
              '/api/v1/auth/login',
              undefined,
              { login: 'staff@example.com', password: 'wrong' },
            ],
            ['/api/v1/auth/me', 'GET', '/api/v1/auth/me', manager, undefined],
            ['/api/v1/auth/refresh', 'POST', '/api/v1/auth/refresh', manager, undefined],
            ['/api/v1/system/health', 'GET', '/api/v1/system/health', manager, undefined],
            ['/health', 'GET', '/health', undefined, undefined],
            ['/metrics', 'GET', '/metrics', manager, undefined],
            ['/', 'GET', '/', undefined, undefined],
          ] as const
        ).map(async ([route, method, url, token, body]) => ({
          route,
          method: method.toLowerCase(),
          response: await h.app.inject({
            method,
            url,
            headers: token === undefined ? {} : auth(token),
            ...(body === undefined ? {} : { payload: body as object }),
          }),
        })),
      )),
    ];
    const erase = () =>
      h.app.inject({ method: 'DELETE', url: `/api/v1/members/${id}`, headers: auth(manager) });
    cases.push({ route: '/api/v1/members/{id}', method: 'delete', response: await erase() });
    cases.push({ route: '/api/v1/members/{id}', method: 'delete', response: await erase() });
    const logout = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: auth(await h.tokenFor('staff')),
    });
    cases.push({ route: '/api/v1/auth/logout', method: 'post', response: logout });

    const statuses = cases.map((c) => c.response.statusCode);
    // The cases really cover the problems people meet: 201, 204, 400, 401, 403, 404, 409 (POST and DELETE), 413.
    expect(new Set(statuses)).toEqual(new Set([200, 201, 204, 400, 401, 403, 404, 409, 413]));
    expect(cases.filter((c) => c.method === 'delete').map((c) => c.response.statusCode)).toEqual([204, 409]);
    for (const { route, method, response } of cases) {
      const where = `${method.toUpperCase()} ${route} → ${response.statusCode}`;
      const operation = spec.paths[route]?.[method];
      expect(operation, where).toBeDefined();
      const documented = operation?.responses[String(response.statusCode)];
      expect(documented, `${where} is not in the OpenAPI document`).toBeDefined();
      if (response.statusCode === 204) continue;
      const mediaType = String(response.headers['content-type']).split(';')[0] ?? '';
      expect(Object.keys(documented?.content ?? {}), where).toContain(mediaType);
      if (mediaType.endsWith('json')) {
        const schema = documented?.content?.[mediaType]?.schema ?? {};
        expect(mismatches(schema, response.json()), where).toEqual([]);
      }
    }
  });

  test('the 201 of a create says what it is, and problems carry examples', async () => {
    const spec = (await h.app.inject({ url: '/api/docs/json' })).json();
    const create = spec.paths['/api/v1/members'].post;
    expect(create.responses['201'].description).not.toBe('Default Response');
    expect(create.responses['201'].content['application/json'].schema.examples[0].name).toBe('Ana Lima');
    expect(create.responses['409'].content['application/problem+json'].examples['409'].value.status).toBe(
      409,
    );
    expect(create.responses['409'].content['application/json']).toBeUndefined();
  });
});
