import { ROLES, type Role } from '@gymedge/crdt-schema';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { PERMISSIONS } from '../src/api/permissions.ts';
import { createHarness, type Harness, PASSWORD } from './support/api-harness.ts';

let h: Harness;
let otherId: string;
beforeAll(async () => {
  h = await createHarness();
  otherId = (await h.members.create({ name: 'Outro Membro' }, { id: 'seed', role: 'system' })).id;
});
afterAll(async () => {
  await h.close();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface RouteCase {
  readonly method: Method;
  /** The route template, as in the OpenAPI document. */
  readonly route: string;
  readonly url: () => Promise<string> | string;
  readonly body?: unknown;
  /** Who may call it; everyone else gets 403. Written out by hand, independent of PERMISSIONS. */
  readonly allowed: readonly Role[];
}

const fresh = async () =>
  (await h.members.create({ name: 'Alvo Apagavel' }, { id: 'seed', role: 'system' })).id;

const PROTECTED: readonly RouteCase[] = [
  {
    method: 'POST',
    route: '/api/v1/members',
    url: () => '/api/v1/members',
    body: { name: 'Nova Pessoa' },
    allowed: ['owner', 'manager', 'staff'],
  },
  {
    method: 'GET',
    route: '/api/v1/members',
    url: () => '/api/v1/members?q=mem',
    allowed: ['owner', 'manager', 'staff', 'trainer', 'kiosk'],
  },
  {
    method: 'GET',
    route: '/api/v1/members/{id}',
    url: () => `/api/v1/members/${otherId}`,
    allowed: ['owner', 'manager', 'staff', 'trainer', 'kiosk'],
  },
  {
    method: 'PATCH',
    route: '/api/v1/members/{id}',
    url: () => `/api/v1/members/${otherId}`,
    body: { consent: { marketing: true } },
    allowed: ['owner', 'manager', 'staff'],
  },
  {
    method: 'DELETE',
    route: '/api/v1/members/{id}',
    url: async () => `/api/v1/members/${await fresh()}`,
    allowed: ['owner', 'manager'],
  },
  { method: 'POST', route: '/api/v1/auth/refresh', url: () => '/api/v1/auth/refresh', allowed: ROLES },
  { method: 'GET', route: '/api/v1/auth/me', url: () => '/api/v1/auth/me', allowed: ROLES },
  {
    method: 'GET',
    route: '/api/v1/system/health',
    url: () => '/api/v1/system/health',
    allowed: ['owner', 'manager'],
  },
];

const PUBLIC: ReadonlyArray<{ method: Method; route: string; body?: unknown }> = [
  { method: 'GET', route: '/' },
  { method: 'GET', route: '/health' },
  { method: 'GET', route: '/metrics' },
  { method: 'POST', route: '/api/v1/auth/login', body: { login: 'trainer@example.com', password: PASSWORD } },
];

async function call(method: Method, url: string, token?: string, body?: unknown) {
  return h.app.inject({
    method,
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

describe('permission matrix: every protected route × every role', () => {
  const cases = PROTECTED.flatMap((route) => ROLES.map((role) => ({ ...route, role })));
  test.each(cases)('$method $route as $role', async ({ method, url, body, allowed, role }) => {
    const response = await call(method, await url(), await h.tokenFor(role), body);
    if (allowed.includes(role)) {
      expect([401, 403]).not.toContain(response.statusCode);
      expect(response.statusCode).toBeLessThan(400);
    } else {
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json().detail).toMatch(/permission|own record/);
    }
  });

  test.each(PROTECTED)('$method $route without a token is 401', async ({ method, url, body }) => {
    const response = await call(method, await url(), undefined, body);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test.each(PUBLIC)('$method $route is public', async ({ method, route, body }) => {
    const response = await call(method, route, undefined, body);
    expect(response.statusCode).toBe(200);
  });

  test('the tables cover every route in the OpenAPI document', async () => {
    const spec = (await call('GET', '/api/docs/json')).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(spec.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = [...PROTECTED, ...PUBLIC].map((route) => `${route.method} ${route.route}`);
    expect(new Set(documented)).toEqual(new Set(covered));
  });

  test('owners and managers hold every permission but the two narrowed ones; members only their own', () => {
    const narrowed = new Set(['members:lookup', 'members:read-own']);
    for (const [permission, roles] of Object.entries(PERMISSIONS)) {
      if (narrowed.has(permission)) expect(roles).toHaveLength(1);
      else expect(roles).toEqual(expect.arrayContaining(['owner', 'manager']));
    }
    const held = (role: Role) =>
      Object.entries(PERMISSIONS)
        .filter(([, roles]) => roles.includes(role))
        .map(([name]) => name)
        .sort();
    expect(held('member')).toEqual(['auth:session', 'members:read-own']);
    expect(held('kiosk')).toEqual(['auth:session', 'members:lookup']);
    expect(held('trainer')).toEqual(['auth:session', 'members:read']);
    expect(held('staff')).toEqual(['auth:session', 'members:read', 'members:write']);
  });
});

describe('a member account', () => {
  test('reads its own record in full, and nobody else’s', async () => {
    const token = await h.tokenFor('member');
    const own = await call('GET', `/api/v1/members/${h.ownMemberId}`, token);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ id: h.ownMemberId, email: 'marina@example.com' });
    const other = await call('GET', `/api/v1/members/${otherId}`, token);
    expect(other.statusCode).toBe(403);
    expect(other.json().detail).toMatch(/only see its own record/);
    expect((await call('GET', '/api/v1/members?q=Marina', token)).statusCode).toBe(403);
    expect(
      (await call('PATCH', `/api/v1/members/${h.ownMemberId}`, token, { name: 'Hacker' })).statusCode,
    ).toBe(403);
  });
});

describe('a kiosk', () => {
  test('sees only id, name, status and consent of a member', async () => {
    const token = await h.tokenFor('kiosk');
    const response = await call('GET', `/api/v1/members/${h.ownMemberId}`, token);
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json()).sort()).toEqual(
      ['consent', 'createdAt', 'id', 'name', 'status', 'unitId', 'updatedAt'].sort(),
    );
  });

  test('must search with at least 3 characters, and gets at most 10 redacted matches', async () => {
    for (let i = 0; i < 12; i++) {
      await h.members.create(
        { name: `Kiosk Pessoa ${String.fromCharCode(65 + i)}` },
        { id: 'seed', role: 'system' },
      );
    }
    const token = await h.tokenFor('kiosk');
    const list = await call('GET', '/api/v1/members', token);
    expect(list.statusCode).toBe(403);
    expect(list.json().detail).toMatch(/at least 3 characters/);
    expect((await call('GET', '/api/v1/members?q=ki', token)).statusCode).toBe(403);
    const found = await call('GET', '/api/v1/members?q=kiosk&limit=200', token);
    expect(found.statusCode).toBe(200);
    const page = found.json();
    expect(page.items).toHaveLength(10);
    expect(page.total).toBe(12);
    expect(page.nextCursor).toBeUndefined();
    for (const item of page.items) expect(item.email ?? item.phone ?? item.document).toBeUndefined();
  });
});

describe('routes must declare access', () => {
  test('a route without a permission stops the API from starting', async () => {
    const careless: FastifyPluginAsyncZod = async (app) => {
      app.get('/api/v1/imports', async () => ({ ok: true }));
    };
    await expect(createHarness({ importer: careless })).rejects.toThrow(/declares no permission/);
  });

  test('an own-records permission needs the param that names the owner', async () => {
    const careless: FastifyPluginAsyncZod = async (app) => {
      app.get('/api/v1/imports/:id', { config: { permission: 'members:read-own' } }, async () => ({}));
    };
    await expect(createHarness({ importer: careless })).rejects.toThrow(/ownerParam/);
  });

  test('the importer seam gets the same access control', async () => {
    const importer: FastifyPluginAsyncZod = async (app) => {
      app.post(
        '/api/v1/imports',
        {
          config: { permission: 'members:import' },
          schema: {
            tags: ['members'],
            summary: 'Import',
            response: { 202: z.object({ accepted: z.boolean() }) },
          },
        },
        async (_request, reply) => reply.code(202).send({ accepted: true }),
      );
    };
    const withImporter = await createHarness({ importer });
    try {
      const as = async (role: Role) =>
        withImporter.app.inject({
          method: 'POST',
          url: '/api/v1/imports',
          headers: { authorization: `Bearer ${await withImporter.tokenFor(role)}` },
        });
      expect((await as('manager')).statusCode).toBe(202);
      expect((await as('staff')).statusCode).toBe(403);
      expect((await withImporter.app.inject({ method: 'POST', url: '/api/v1/imports' })).statusCode).toBe(
        401,
      );
    } finally {
      await withImporter.close();
    }
  });
});
