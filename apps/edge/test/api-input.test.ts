import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { MemberView } from '../src/domain/member.ts';
import { ConflictError, InputError, NotFoundError } from '../src/services/contracts.ts';
import { createHarness, type Harness } from './support/api-harness.ts';

let h: Harness;
let token: string;
let before: string;
beforeAll(async () => {
  h = await createHarness();
  token = await h.tokenFor('manager');
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  before = h.members.snapshot();
  h.members.writes.length = 0;
});

interface Sent {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url?: string;
  body?: string | object;
  contentType?: string;
}

async function send({ method = 'POST', url = '/api/v1/members', body, contentType }: Sent) {
  return h.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { payload: body }),
  });
}

interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: Array<{ path: string; message: string }>;
  conflict?: { memberId: string; field: string; name?: string };
}

/** The response is a problem+json of this status, with no stack or internals, and nothing was stored. */
function refused(response: Awaited<ReturnType<typeof send>>, status: number): ProblemJson {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const problem = response.json() as ProblemJson;
  expect(Object.keys(problem).sort()).toEqual(
    [
      'detail',
      'instance',
      'status',
      'title',
      'type',
      ...(problem.errors ? ['errors'] : []),
      ...(problem.conflict ? ['conflict'] : []),
    ].sort(),
  );
  expect(problem.status).toBe(status);
  expect(response.body).not.toMatch(/\bat .+\.(ts|js):\d+|node_modules|FST_/);
  expect(h.members.snapshot()).toBe(before);
  expect(h.members.writes).toEqual([]);
  return problem;
}

describe('bad input on POST /api/v1/members is refused, and nothing is stored', () => {
  test('malformed JSON', async () => {
    const problem = refused(
      await send({ body: '{"name": "Ana Lima",', contentType: 'application/json' }),
      400,
    );
    expect(problem.detail).toMatch(/not valid JSON/);
    expect(problem.type).toBe('urn:gymedge:problem:malformed-json');
  });

  test('an empty JSON body, no body, or a JSON array', async () => {
    expect(refused(await send({ body: '', contentType: 'application/json' }), 400).detail).toMatch(/empty/);
    expect(refused(await send({}), 400).errors).toEqual([
      { path: '', message: 'the request body must be a JSON object' },
    ]);
    expect(refused(await send({ body: '[1,2]', contentType: 'application/json' }), 400).detail).toMatch(
      /JSON object/,
    );
  });

  test('wrong types name each field', async () => {
    const problem = refused(
      await send({ body: { name: 123, consent: { marketing: 'yes' }, gender: 'x' } }),
      400,
    );
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'must be text' },
        { path: 'consent.marketing', message: 'must be true or false' },
        { path: 'gender', message: 'must be one of: female, male, other, undisclosed' },
      ]),
    );
    expect(problem.detail).toContain('name: must be text');
  });

  test('a missing name says it is required', async () => {
    const problem = refused(await send({ body: { email: 'ana@example.com' } }), 400);
    expect(problem.errors).toEqual([{ path: 'name', message: 'is required' }]);
  });

  test('unknown fields are named, also nested ones', async () => {
    const problem = refused(
      await send({ body: { name: 'Ana Lima', isAdmin: true, consent: { marketing: true, spam: 1 } } }),
      400,
    );
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: '', message: 'unknown field "isAdmin"' },
        { path: 'consent', message: 'unknown field "spam"' },
      ]),
    );
    expect(problem.detail).toContain('unknown field "isAdmin"');
  });

  test('the domain rules speak for themselves: e-mail, phone, CPF, birth date', async () => {
    const problem = refused(
      await send({
        body: {
          name: 'Ana Lima',
          email: 'ana-at-example',
          phone: '123',
          document: '111.111.111-11',
          birthDate: '2999-01-01',
        },
      }),
      400,
    );
    expect(problem.detail).toContain('email: must be an e-mail address like ana@example.com');
    expect(problem.errors?.map((error) => error.path).sort()).toEqual([
      'birthDate',
      'document',
      'email',
      'phone',
    ]);
  });

  test.each([
    ["Robert'); DROP TABLE members;--"],
    ['<script>alert(1)</script>'],
    ['Ana <img src=x onerror=alert(1)>'],
    ['{{constructor.constructor("alert(1)")()}}'],
    ['Ana\u0000Lima'],
  ])('a name like %j is refused', async (name) => {
    const problem = refused(await send({ body: { name } }), 400);
    expect(problem.errors?.[0]?.path).toBe('name');
    expect(problem.errors?.[0]?.message).toMatch(/may only hold letters/);
  });

  test('prototype pollution is refused, not merged', async () => {
    const body = '{"name":"Ana Lima","__proto__":{"isAdmin":true}}';
    const problem = refused(await send({ body, contentType: 'application/json' }), 400);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    // The real cause, not "not valid JSON".
    expect(problem.detail).toMatch(/valid JSON, but it has a "__proto__" key/);
    expect(problem.type).toBe('urn:gymedge:problem:forbidden-key');
    const nested = refused(
      await send({
        body: '{"name":"Ana Lima","consent":{"constructor":{"prototype":{"x":1}}}}',
        contentType: 'application/json',
      }),
      400,
    );
    expect(nested.detail).toMatch(/"constructor.prototype" key/);
  });

  test('a 60 KB e-mail is told it is too long, not that it should look like ana@example.com', async () => {
    const email = `${'a'.repeat(60_000)}@example.com`;
    const problem = refused(await send({ body: { name: 'Ana Lima', email } }), 400);
    expect(problem.errors).toEqual([
      { path: 'email', message: 'is 60,012 characters long; it must have at most 254 characters' },
    ]);
  });

  test('a body over 64 KiB is a 413 saying the limit', async () => {
    const problem = refused(await send({ body: { name: 'Ana Lima', padding: 'x'.repeat(70 * 1024) } }), 413);
    expect(problem.detail).toBe('The request body is larger than the limit of 64 KiB.');
  });

  test.each([
    ['text/plain', 'name=Ana'],
    ['application/x-www-form-urlencoded', 'name=Ana+Lima'],
    ['application/xml', '<member><name>Ana</name></member>'],
  ])('a %s body is a 415', async (contentType, body) => {
    const problem = refused(await send({ body, contentType }), 415);
    expect(problem.detail).toContain('application/json');
    expect(problem.detail).toContain(contentType);
  });
});

describe('bad input elsewhere', () => {
  test('a malformed member id is a 400 naming the expected shape', async () => {
    for (const id of [
      '123',
      'member:short',
      'staff:01JD8Q6W0C5V3T2YH4N8K9M7PA',
      'member:01JD8Q6W0C5V3T2YH4N8K9M7PU',
    ]) {
      const problem = refused(
        await send({ method: 'GET', url: `/api/v1/members/${encodeURIComponent(id)}` }),
        400,
      );
      expect(problem.errors).toEqual([
        { path: 'id', message: 'must be a member id like member:01JD8Q6W0C5V3T2YH4N8K9M7PA' },
      ]);
    }
  });

  test('query parameters are checked: numbers, ranges, enums, unknown ones', async () => {
    const problem = refused(
      await send({ method: 'GET', url: '/api/v1/members?limit=abc&status=gone&sort=name' }),
      400,
    );
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: 'limit', message: 'must be a number' },
        { path: 'status', message: 'must be one of: active, inactive' },
        { path: '', message: 'unknown query parameter "sort"' },
      ]),
    );
    expect(refused(await send({ method: 'GET', url: '/api/v1/members?limit=0' }), 400).errors).toEqual([
      { path: 'limit', message: 'must be at least 1' },
    ]);
  });

  test('an empty patch says it must change something', async () => {
    const problem = refused(
      await send({ method: 'PATCH', url: `/api/v1/members/${h.ownMemberId}`, body: {} }),
      400,
    );
    expect(problem.detail).toContain('a patch must change at least one field');
  });

  test('an unknown route is a problem+json 404', async () => {
    const problem = refused(await send({ method: 'GET', url: '/api/v1/nothing?q=secret' }), 404);
    expect(problem.instance).toBe('/api/v1/nothing');
    const put = refused(await send({ method: 'PUT' as 'POST', url: '/api/v1/members', body: {} }), 404);
    expect(put.detail).toContain('PUT /api/v1/members');
  });

  test('a well-formed id of no member is a 404', async () => {
    const problem = refused(
      await send({ method: 'GET', url: '/api/v1/members/member:01JD8Q6W0C5V3T2YH4N8K9M7PA' }),
      404,
    );
    expect(problem.detail).toContain('member:01JD8Q6W0C5V3T2YH4N8K9M7PA');
  });
});

describe('service errors map to statuses, and internals never leak', () => {
  const stub = <K extends 'create' | 'update' | 'get'>(name: K, replacement: Harness['members'][K]) => {
    const original = h.members[name];
    h.members[name] = replacement;
    return () => {
      h.members[name] = original;
    };
  };

  test.each([
    [new NotFoundError('There is no member with that id.'), 404],
    [new ConflictError('A member with this CPF is already registered at this unit.'), 409],
    [new InputError('The birth date is after the signup date.'), 400],
  ] as const)('%s → %i', async (error, status) => {
    const restore = stub('update', async () => {
      throw error;
    });
    try {
      const problem = refused(
        await send({ method: 'PATCH', url: `/api/v1/members/${h.ownMemberId}`, body: { name: 'Ana Lima' } }),
        status,
      );
      expect(problem.detail).toBe(error.message);
    } finally {
      restore();
    }
  });

  test('an unexpected error is a 500 with a reference, logged in full but never shown', async () => {
    const restore = stub('create', async () => {
      throw new Error('SQLITE_CORRUPT: database disk image is malformed at /var/lib/gymedge/secret.db');
    });
    try {
      const response = await send({ body: { name: 'Ana Lima' } });
      const problem = refused(response, 500);
      expect(response.body).not.toContain('SQLITE');
      expect(response.body).not.toContain('/var/lib');
      expect(problem.detail).toContain(String(response.headers['x-request-id']));
      const logged = h.logs.find((line) => line.reqId === response.headers['x-request-id']);
      expect(JSON.stringify(logged)).toContain('SQLITE_CORRUPT');
    } finally {
      restore();
    }
  });

  test('a service answer that breaks the response schema is a 500, not a leak', async () => {
    const restore = stub('get', () => ({ id: 42, secret: 'x' }) as unknown as MemberView);
    try {
      const response = await send({ method: 'GET', url: `/api/v1/members/${h.ownMemberId}` });
      refused(response, 500);
      expect(response.body).not.toContain('secret');
    } finally {
      restore();
    }
  });

  test('a duplicate e-mail is a 409 from the real service, naming the member it collides with', async () => {
    const problem = refused(await send({ body: { name: 'Outra Marina', email: 'MARINA@example.com' } }), 409);
    expect(problem.detail).toMatch(/e-mail is already registered at this unit: Marina Souza/);
    expect(problem.conflict).toEqual({ memberId: h.ownMemberId, field: 'email', name: 'Marina Souza' });
  });
});

describe('the real service refuses duplicates (CPF and e-mail), through the keyed-hash index', () => {
  test('a repeated CPF, in any punctuation, is a 409 with the member; a PATCH onto it too', async () => {
    const first = await send({ body: { name: 'Carla Dias', document: '111.444.777-35' } });
    expect(first.statusCode).toBe(201);
    const carla = first.json() as MemberView;
    before = h.members.snapshot();
    h.members.writes.length = 0;
    const again = refused(await send({ body: { name: 'Carla D.', document: '11144477735' } }), 409);
    expect(again.conflict).toEqual({ memberId: carla.id, field: 'document', name: 'Carla Dias' });
    expect(again.detail).toMatch(/CPF is already registered/);
    const onto = refused(
      await send({
        method: 'PATCH',
        url: `/api/v1/members/${h.ownMemberId}`,
        body: { document: '111.444.777-35' },
      }),
      409,
    );
    expect(onto.conflict?.memberId).toBe(carla.id);
    // The member's own values are no conflict with itself.
    const same = await send({
      method: 'PATCH',
      url: `/api/v1/members/${carla.id}`,
      body: { document: '111.444.777-35', name: 'Carla Dias' },
    });
    expect(same.statusCode).toBe(200);
  });

  test('two concurrent creates with one e-mail: exactly one is stored', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        send({ body: { name: `Corrida ${String.fromCharCode(65 + i)}`, email: 'corrida@example.com' } }),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    const stored = h.unit.db
      .prepare("SELECT count(*) AS n FROM member_index WHERE email = 'corrida@example.com'")
      .get() as { n: number };
    expect(stored.n).toBe(1);
    before = h.members.snapshot();
  });

  test('an erased member frees its CPF and e-mail, and the index holds no clear value', async () => {
    const gone = await send({ body: { name: 'Apagada Pessoa', email: 'apagada@example.com' } });
    await h.members.erase(gone.json().id, { id: 'seed', role: 'system' });
    expect((await send({ body: { name: 'Nova Pessoa', email: 'apagada@example.com' } })).statusCode).toBe(
      201,
    );
    const hashes = h.unit.db.prepare('SELECT hash FROM member_blind').all() as Array<{ hash: string }>;
    expect(hashes.length).toBeGreaterThan(0);
    for (const { hash } of hashes) expect(hash).not.toMatch(/@|^\d{11}$/);
    before = h.members.snapshot();
  });
});

describe('good input', () => {
  test('creates a member: 201, Location, normalized fields', async () => {
    const response = await send({
      body: {
        name: '  José   da Silva ',
        email: 'Jose@Example.COM',
        phone: '(11) 98765-4321',
        document: '529.982.247-25',
        consent: { marketing: true },
      },
    });
    expect(response.statusCode).toBe(201);
    const member = response.json() as MemberView;
    expect(response.headers.location).toBe(`/api/v1/members/${member.id}`);
    expect(member).toMatchObject({
      name: 'José da Silva',
      email: 'jose@example.com',
      phone: '+5511987654321',
      document: '52998224725',
      consent: { marketing: true, imageAnalytics: false },
    });
    expect(h.members.writes).toEqual([
      { op: 'create', id: member.id, actor: { id: h.byRole.manager.id, role: 'manager' } },
    ]);
    const read = await send({ method: 'GET', url: response.headers.location as string });
    expect(read.json()).toEqual(member);
  });

  test('a smaller body limit is configurable and reported', async () => {
    const small = await createHarness({ api: { bodyLimitBytes: 1024 } });
    try {
      const response = await small.app.inject({
        method: 'POST',
        url: '/api/v1/members',
        headers: { authorization: `Bearer ${await small.tokenFor('staff')}` },
        payload: { name: 'x'.repeat(2000) },
      });
      expect(response.statusCode).toBe(413);
      expect(response.json().detail).toBe('The request body is larger than the limit of 1 KiB.');
    } finally {
      await small.close();
    }
  });
});
