import { afterEach, describe, expect, test } from 'vitest';
import { hashPassword, verifyPassword } from '../src/api/auth.ts';
import { TokenService } from '../src/api/tokens.ts';
import { createHarness, type Harness, OTHER_UNIT, PASSWORD, SECRET } from './support/api-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function login(harness: Harness, body: unknown) {
  return harness.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: body as object });
}

function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json() as Record<string, unknown>;
  expect(problem).toMatchObject({ status, type: expect.stringMatching(/^urn:gymedge:problem:/) });
  expect(problem.detail).toEqual(expect.any(String));
  return problem;
}

describe('passwords', () => {
  test('argon2id hashes verify, and a malformed hash is a plain false', async () => {
    const hash = await hashPassword('s3cret pass');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 's3cret pass')).toBe(true);
    expect(await verifyPassword(hash, 'wrong')).toBe(false);
    expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
  });
});

describe('POST /api/v1/auth/login', () => {
  test('a correct login returns a bearer token that works', async () => {
    h = await createHarness();
    const response = await login(h, { login: 'Staff@Example.com ', password: PASSWORD });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresAt: '2026-11-25T13:15:00.000Z',
      account: { id: h.byRole.staff.id, name: 'Test staff', role: 'staff' },
    });
    expect(JSON.stringify(body)).not.toContain('passwordHash');
    const me = await h.app.inject({
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      account: { id: h.byRole.staff.id, role: 'staff' },
      unitId: 'sp-paulista',
      permissions: expect.arrayContaining(['members:read', 'members:write']),
    });
    expect(me.json().permissions).not.toContain('members:erase');
  });

  test('wrong password and unknown login get the same 401, with WWW-Authenticate', async () => {
    h = await createHarness();
    const wrongPassword = await login(h, { login: 'staff@example.com', password: 'nope' });
    const unknownLogin = await login(h, { login: 'ghost@example.com', password: 'nope' });
    const a = expectProblem(wrongPassword, 401);
    const b = expectProblem(unknownLogin, 401);
    expect(a.detail).toBe('The login or the password is wrong.');
    expect(b.detail).toBe(a.detail);
    expect(wrongPassword.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(unknownLogin.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test('an unknown login costs about as much as a wrong password (a dummy hash is verified)', async () => {
    h = await createHarness();
    // The route asks the directory to check the password of an unknown login too (it verifies the dummy hash).
    const asked: boolean[] = [];
    const accounts = h.unit.accounts;
    const real = accounts.checkPassword.bind(accounts);
    accounts.checkPassword = (account, password) => {
      asked.push(account === undefined);
      return real(account, password);
    };
    const time = async (loginName: string) => {
      const start = performance.now();
      await login(h as Harness, { login: loginName, password: 'wrong password' });
      return performance.now() - start;
    };
    await time('staff@example.com');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await time('staff@example.com'));
      unknown.push(await time(`ghost${i}@example.com`));
    }
    expect(asked.filter(Boolean)).toHaveLength(5);
    // Without the dummy hash an unknown login answers ~20x faster. The fastest of five of each is compared, so a
    // busy machine's pauses (which only ever add time) do not decide the outcome.
    expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) * 0.25);
  });

  test('a deactivated account is refused with 403 (only after a correct password)', async () => {
    h = await createHarness();
    await h.accounts.update(h.byRole.staff.id, { active: false });
    expect(expectProblem(await login(h, { login: 'staff@example.com', password: 'nope' }), 401)).toBeTruthy();
    const problem = expectProblem(await login(h, { login: 'staff@example.com', password: PASSWORD }), 403);
    expect(problem.detail).toMatch(/deactivated/);
  });

  test('an account of another unit is refused with 403; a chain-wide (*) account is let in', async () => {
    h = await createHarness();
    await h.accounts.update(h.byRole.manager.id, { units: [OTHER_UNIT] });
    const problem = expectProblem(await login(h, { login: 'manager@example.com', password: PASSWORD }), 403);
    expect(problem.detail).toContain('sp-paulista');
    expect((await login(h, { login: 'owner@example.com', password: PASSWORD })).statusCode).toBe(200);
  });

  test('bad login bodies are 400 problems naming the fields', async () => {
    h = await createHarness();
    const problem = expectProblem(await login(h, { login: '', password: PASSWORD, remember: true }), 400);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: 'login', message: 'must not be empty' },
        { path: '', message: 'unknown field "remember"' },
      ]),
    );
    const long = expectProblem(
      await login(h, { login: 'staff@example.com', password: 'x'.repeat(2000) }),
      400,
    );
    expect(long.errors).toEqual([{ path: 'password', message: 'must have at most 1024 characters' }]);
  });

  test('the 11th attempt in a minute for one login from one address is a 429 with Retry-After', async () => {
    h = await createHarness();
    for (let i = 0; i < 10; i++) {
      expect((await login(h, { login: 'staff@example.com', password: `guess ${i}` })).statusCode).toBe(401);
    }
    const limited = await login(h, { login: 'staff@example.com', password: PASSWORD });
    const problem = expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(problem.detail).toMatch(/Too many sign-in attempts/);
    // Another login from the same address is not locked out by someone else's typos.
    expect((await login(h, { login: 'manager@example.com', password: PASSWORD })).statusCode).toBe(200);
    // Other routes are not rate limited.
    for (let i = 0; i < 30; i++) expect((await h.app.inject({ url: '/health' })).statusCode).toBe(200);
    const metrics = await h.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${await h.tokenFor('owner')}` },
    });
    expect(metrics.body).toMatch(/gymedge_auth_logins_total\{outcome="rate_limited"\} 1/);
    expect(metrics.body).toMatch(/gymedge_auth_logins_total\{outcome="invalid"\} 10/);
  });
});

/** Counts the password checks (argon2) the account directory is asked for from now on. */
function countPasswordChecks(harness: Harness): { count: number } {
  const counter = { count: 0 };
  const accounts = harness.unit.accounts;
  const real = accounts.checkPassword.bind(accounts);
  accounts.checkPassword = (account, password) => {
    counter.count++;
    return real(account, password);
  };
  return counter;
}

describe('sign-in budgets stop a password spray before argon2 runs', () => {
  test('one address trying many logins is stopped after its budget, in microseconds', async () => {
    h = await createHarness({
      api: {
        loginBudget: {
          perAddress: { max: 30, timeWindowMs: 60_000 },
          global: { perSecond: 1000, burst: 1000 },
        },
      },
    });
    for (let i = 0; i < 30; i++) {
      expect((await login(h, { login: `ghost${i}@example.com`, password: 'x' })).statusCode).toBe(401);
    }
    const checks = countPasswordChecks(h);
    const limited = await login(h, { login: 'staff@example.com', password: PASSWORD });
    expect(expectProblem(limited, 429).detail).toMatch(/from this address/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Refused before any password check (one argon2 check costs ~14 ms of CPU).
    expect(checks.count).toBe(0);
    // Another address is not affected.
    const elsewhere = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: '10.1.1.1',
      payload: { login: 'staff@example.com', password: PASSWORD },
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  test('300 bogus logins from 300 addresses spend at most the unit budget of password checks, and members are still served', async () => {
    h = await createHarness();
    const harness = h;
    const token = await harness.tokenFor('staff');
    const checks = countPasswordChecks(harness);
    const started = performance.now();
    const storm = Array.from({ length: 300 }, (_, i) =>
      harness.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: `10.9.${Math.floor(i / 250)}.${i % 250}`,
        payload: { login: `spray${i}@example.com`, password: 'Winter2026!' },
      }),
    );
    const readStarted = performance.now();
    const read = await harness.app.inject({
      url: `/api/v1/members/${harness.ownMemberId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    const readMs = performance.now() - readStarted;
    const answers = await Promise.all(storm);
    const elapsedS = (performance.now() - started) / 1000;
    const checked = answers.filter((r) => r.statusCode === 401).length;
    const limited = answers.filter((r) => r.statusCode === 429).length;
    expect(checked + limited).toBe(300);
    // Only the admitted attempts cost an argon2 check.
    expect(checks.count).toBe(checked);
    // Default budget: 20 checks a second, burst 20.
    expect(checked).toBeLessThanOrEqual(20 + Math.ceil(elapsedS * 20) + 1);
    expect(limited).toBeGreaterThan(250);
    expect(answers.find((r) => r.statusCode === 429)?.json().detail).toMatch(
      /too many sign-in attempts right now/,
    );
    expect(read.statusCode).toBe(200);
    // Queued behind 300 requests on one event loop, yet answered (no 13.8 ms x 300 of argon2 in front of it).
    expect(readMs).toBeLessThan(5000);
  });
});

describe('bearer tokens', () => {
  const me = (harness: Harness, token: string) =>
    harness.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

  test('a token expires after its TTL', async () => {
    h = await createHarness({ ttlSeconds: 60 });
    const token = await h.tokenFor('staff');
    h.clock.now += 59_000;
    expect((await me(h, token)).statusCode).toBe(200);
    h.clock.now += 2_000;
    const response = await me(h, token);
    const problem = expectProblem(response, 401);
    expect(problem.detail).toMatch(/expired/);
    expect(response.headers['www-authenticate']).toContain('invalid_token');
  });

  test('a token of another unit is refused, even with the same key', async () => {
    h = await createHarness();
    const otherUnit = new TokenService({
      secret: SECRET,
      unitId: OTHER_UNIT,
      now: () => (h as Harness).clock.now,
    });
    const { token } = await otherUnit.issue(h.byRole.owner);
    const problem = expectProblem(await me(h, token), 401);
    expect(problem.detail).toMatch(/issued by unit rj-copacabana, and this is unit sp-paulista/);
  });

  test('a token of another unit signed with that unit’s own key says so, not just "not valid"', async () => {
    h = await createHarness();
    const otherUnit = new TokenService({ secret: new Uint8Array(32).fill(7), unitId: OTHER_UNIT });
    const { token } = await otherUnit.issue(h.byRole.owner);
    const problem = expectProblem(await me(h, token), 401);
    expect(problem.detail).toMatch(/issued by unit rj-copacabana.*sign in at this unit/);
  });

  test('signing out ends the session: its token and every token refreshed from it', async () => {
    h = await createHarness();
    const signIn = async () =>
      (await login(h as Harness, { login: 'staff@example.com', password: PASSWORD })).json().token as string;
    const first = await signIn();
    const other = await signIn();
    const refreshed = (
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        headers: { authorization: `Bearer ${first}` },
      })
    ).json().token as string;
    const out = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${first}` },
    });
    expect(out.statusCode).toBe(204);
    expect(expectProblem(await me(h, first), 401).detail).toMatch(/signed out/);
    expect(expectProblem(await me(h, refreshed), 401).detail).toMatch(/signed out/);
    // Another sign-in of the same account is a session of its own.
    expect((await me(h, other)).statusCode).toBe(200);
    // The sign-out is in the unit's database: it survives a restart.
    const { SqliteRevocations } = await import('../src/api/revocations.ts');
    const claims = await h.tokens.verify(first);
    expect(new SqliteRevocations(h.unit.db).isRevoked(claims.sessionId)).toBe(true);
  });

  test('changing the password ends every token issued before', async () => {
    h = await createHarness();
    const before = (await login(h, { login: 'manager@example.com', password: PASSWORD })).json()
      .token as string;
    expect((await me(h, before)).statusCode).toBe(200);
    await h.accounts.setPassword(h.byRole.manager.id, 'a brand new passphrase');
    expect(expectProblem(await me(h, before), 401).detail).toMatch(/password of this account was changed/);
    expect((await login(h, { login: 'manager@example.com', password: PASSWORD })).statusCode).toBe(401);
    const after = (
      await login(h, { login: 'manager@example.com', password: 'a brand new passphrase' })
    ).json().token as string;
    expect((await me(h, after)).statusCode).toBe(200);
  });

  test('tampered, foreign-key, alg=none and garbage tokens are refused', async () => {
    h = await createHarness();
    const good = await h.tokenFor('staff');
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'owner' })).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const foreign = await new TokenService({
      secret: new Uint8Array(32).fill(1),
      unitId: 'sp-paulista',
    }).issue(h.byRole.owner);
    for (const token of [
      `${header}.${forged}.${signature}`,
      `${none}.${payload}.`,
      foreign.token,
      'garbage',
    ]) {
      expectProblem(await me(h, token), 401);
    }
    const basic = await h.app.inject({ url: '/api/v1/auth/me', headers: { authorization: 'Basic abc' } });
    expect(expectProblem(basic, 401).detail).toMatch(/Bearer <token>/);
  });

  test('deactivating an account or changing its role ends its sessions at once', async () => {
    h = await createHarness();
    const staff = await h.tokenFor('staff');
    const trainer = await h.tokenFor('trainer');
    await h.accounts.update(h.byRole.staff.id, { active: false });
    await h.accounts.update(h.byRole.trainer.id, { role: 'manager' });
    expect(expectProblem(await me(h, staff), 401).detail).toMatch(/sign in again/);
    expect(expectProblem(await me(h, trainer), 401).detail).toMatch(/sign in again/);
  });

  test('refresh gives a fresh token, but never beyond 12 hours after the sign-in', async () => {
    h = await createHarness();
    let token = await h.tokenFor('manager');
    for (let i = 0; i < 60; i++) {
      h.clock.now += 14 * 60_000;
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        headers: { authorization: `Bearer ${token}` },
      });
      if (response.statusCode !== 200) {
        expect(i).toBeGreaterThanOrEqual(50);
        expectProblem(response, 401);
        return;
      }
      expect(response.json().token).not.toBe(token);
      token = response.json().token;
    }
    throw new Error('the session was refreshed for more than 12 hours');
  });

  test('the token service refuses a short key', () => {
    expect(() => new TokenService({ secret: new Uint8Array(16), unitId: 'x' })).toThrow(/32 bytes/);
  });
});
