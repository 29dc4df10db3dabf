import { renameSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHarness, type Harness } from './support/api-harness.ts';

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
      const result = await q.unit.store.applyRemote(
        'member:01JD8Q6W0C5V3T2YH4N8K9M7PA',
        new TextEncoder().encode('not automerge at all'),
        'rj-copacabana',
      );
      expect(result).toMatchObject({ status: 'quarantined' });
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
    const bad = await h.app.inject({ url: '/?lang=<script>' });
    expect(bad.statusCode).toBe(400);
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
