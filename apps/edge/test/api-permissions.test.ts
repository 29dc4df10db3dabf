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
    url: () => '/api/v1/members?q=Outro%20Membro',
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
  {
    method: 'POST',
    route: '/api/v1/auth/logout',
    // A fresh sign-in each time: logging out ends the session the token belongs to.
    url: () => '/api/v1/auth/logout',
    allowed: ROLES,
  },
  { method: 'GET', route: '/metrics', url: () => '/metrics', allowed: ['owner', 'manager'] },
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
  { method: 'POST', route: '/api/v1/auth/login', body: { login: 'trainer@example.com', password: PASSWORD } },
];

async function call(method: Method, url: string, token?: string, body?: unknown, remoteAddress?: string) {
  return h.app.inject({
    method,
    url,
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

describe('permission matrix: every protected route × every role', () => {
  const cases = PROTECTED.flatMap((route) => ROLES.map((role) => ({ ...route, role })));
  test.each(cases)('$method $route as $role', async ({ method, url, body, allowed, role }) => {
    // From another machine, so /metrics needs its permission (this machine may scrape without a token).
    const response = await call(method, await url(), await h.tokenFor(role), body, '10.0.0.7');
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
    const response = await call(method, await url(), undefined, body, '10.0.0.7');
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

  test('owners and managers hold every permission but the narrowed ones; members only their own', () => {
    const narrowed = new Set(['members:lookup', 'members:read-own', 'members:roster']);
    for (const [permission, roles] of Object.entries(PERMISSIONS)) {
      if (narrowed.has(permission)) expect(roles).toHaveLength(1);
      else expect(roles).toEqual(expect.arrayContaining(['owner', 'manager']));
    }
    const held = (role: Role) =>
      Object.entries(PERMISSIONS)
        .filter(([, roles]) => roles.includes(role))
        .map(([name]) => name)
        .sort();
    expect(held('member')).toEqual(['assistant:use', 'auth:session', 'members:read-own']);
    expect(held('kiosk')).toEqual([
      'assistant:use',
      'auth:session',
      'members:lookup',
      'ops:book',
      'ops:checkin',
      'ops:schedule',
    ]);
    expect(held('trainer')).toEqual([
      'assistant:use',
      'auth:session',
      'members:roster',
      'ops:alerts',
      'ops:equipment',
      'ops:roster',
      'ops:schedule',
      'vision:read',
    ]);
    expect(held('staff')).toEqual([
      'assistant:act-for-members',
      'assistant:use',
      'auth:session',
      'churn:read',
      'members:read',
      'members:write',
      'ops:alerts',
      'ops:book',
      'ops:checkin',
      'ops:equipment',
      'ops:roster',
      'ops:schedule',
      'ops:sell',
      'ops:timetable',
      'segments:read',
      'vision:read',
    ]);
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

  test('looks up only exact keys: a whole CPF, a full name, a member card; never prefixes, and no count', async () => {
    const k = await createHarness();
    try {
      const seed = { id: 'seed', role: 'system' } as const;
      const ana = await k.members.create(
        { name: 'Ana Paula Lima', document: '52998224725', phone: '+5511987654321' },
        seed,
      );
      for (let i = 0; i < 12; i++) {
        await k.members.create({ name: `Kiosk Pessoa ${String.fromCharCode(65 + i)}` }, seed);
      }
      const token = await k.tokenFor('kiosk');
      const get = (q: string) =>
        k.app.inject({
          url: `/api/v1/members?q=${encodeURIComponent(q)}`,
          headers: { authorization: `Bearer ${token}` },
        });
      // Walking names, CPF prefixes and phone suffixes is refused, with the rule in words.
      for (const walk of ['kio', 'kiosk', 'ana', '529', '52998224', '4321', '987654321']) {
        const refused = await get(walk);
        expect(refused.statusCode, walk).toBe(403);
        expect(refused.json().detail, walk).toMatch(/whole CPF|full name/);
      }
      const list = await k.app.inject({
        url: '/api/v1/members',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(list.statusCode).toBe(403);
      // Exact keys find the member, redacted, without a total.
      for (const exact of ['529.982.247-25', '52998224725', 'ana paula lima', 'Ána Paula LIMA']) {
        const found = await get(exact);
        expect(found.statusCode, exact).toBe(200);
        expect(
          found.json().items.map((m: { id: string }) => m.id),
          exact,
        ).toEqual([ana.id]);
        expect(found.json().total, exact).toBeUndefined();
        expect(found.json().items[0].document, exact).toBeUndefined();
        expect(found.json().items[0].phone, exact).toBeUndefined();
      }
      expect((await get('Kiosk Pessoa')).json().items).toEqual([]);
    } finally {
      await k.close();
    }
  });

  test('searches are rate-limited per kiosk account, before any lookup', async () => {
    const k = await createHarness({ api: { kioskSearchesPerMinute: 5 } });
    try {
      const token = await k.tokenFor('kiosk');
      const get = () =>
        k.app.inject({
          url: '/api/v1/members?q=Marina%20Souza',
          headers: { authorization: `Bearer ${token}` },
        });
      for (let i = 0; i < 5; i++) expect((await get()).statusCode).toBe(200);
      const limited = await get();
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Staff are not limited by the kiosk's budget.
      const staff = await k.app.inject({
        url: '/api/v1/members?q=mar',
        headers: { authorization: `Bearer ${await k.tokenFor('staff')}` },
      });
      expect(staff.statusCode).toBe(200);
      k.clock.now += 61_000;
      expect((await get()).statusCode).toBe(200);
    } finally {
      await k.close();
    }
  });
});

describe('a trainer', () => {
  test('sees name and status, never CPF, e-mail, phone or birth date, and searches by name only', async () => {
    const seed = { id: 'seed', role: 'system' } as const;
    const member = await h.members.create(
      {
        name: 'Treino Pessoa',
        email: 'treino@example.com',
        document: '11144477735',
        birthDate: '1990-04-02',
        phone: '+5511912345678',
      },
      seed,
    );
    const token = await h.tokenFor('trainer');
    const one = await call('GET', `/api/v1/members/${member.id}`, token);
    expect(one.statusCode).toBe(200);
    expect(Object.keys(one.json()).sort()).toEqual([
      'consent',
      'createdAt',
      'id',
      'name',
      'status',
      'unitId',
      'updatedAt',
    ]);
    const page = await call('GET', '/api/v1/members?q=treino', token);
    expect(page.statusCode).toBe(200);
    expect(page.json().items[0]).toEqual(one.json());
    expect((await call('GET', '/api/v1/members?q=11144477735', token)).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/members?q=treino@example.com', token)).statusCode).toBe(403);
  });
});

describe('reads of personal data are audited', () => {
  test('who, when, which member, which fields, for every role that reads them', async () => {
    const seed = { id: 'seed', role: 'system' } as const;
    const member = await h.members.create({ name: 'Auditada Pessoa', email: 'auditada@example.com' }, seed);
    await call('GET', `/api/v1/members/${member.id}`, await h.tokenFor('staff'));
    await call('GET', `/api/v1/members/${member.id}`, await h.tokenFor('trainer'));
    await call('GET', '/api/v1/members?q=auditada', await h.tokenFor('manager'));
    const rows = h.unit.audit
      .recent(20)
      .filter((row) => row.action === 'member.read' && (row.detail ?? '').includes(member.id));
    const read = rows.map((row) => ({ role: row.actor_role, detail: JSON.parse(row.detail ?? '{}') }));
    expect(read).toEqual(
      expect.arrayContaining([
        { role: 'staff', detail: { how: 'get', members: [member.id], fields: ['name', 'email'] } },
        { role: 'trainer', detail: { how: 'get', members: [member.id], fields: ['name'] } },
        { role: 'manager', detail: { how: 'search', members: [member.id], fields: ['name', 'email'] } },
      ]),
    );
    for (const row of rows) {
      expect(row.actor_id).toMatch(/^staff:/);
      expect(Date.parse(row.at)).toBeGreaterThan(Date.now() - 60_000);
      // The audit log never holds the personal data itself.
      expect(row.detail).not.toContain('auditada@example.com');
    }
  });
});

describe('routes must declare access', () => {
  test('only the docs routes themselves are public: a route that merely starts with /api/docs is not', async () => {
    const sneaky: FastifyPluginAsyncZod = async (app) => {
      app.get('/api/docsecret', async () => ({ members: 'all of them' }));
    };
    await expect(createHarness({ importer: sneaky })).rejects.toThrow(/declares no permission/);
  });

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
