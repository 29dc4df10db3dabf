import { Role } from '@gymedge/crdt-schema';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Account, AccountDirectory } from '../../services/contracts.ts';
import { sessionOf } from '../access.ts';
import { MAX_PASSWORD_LENGTH, signIn } from '../auth.ts';
import type { ApiMetrics } from '../metrics.ts';
import { PERMISSION_NAMES, permissionsOf } from '../permissions.ts';
import { forbidden, HttpProblem, problemResponses, unauthorized } from '../problems.ts';
import { type LoginBudget, LoginThrottle } from '../throttle.ts';
import type { TokenRevocations, TokenService } from '../tokens.ts';

/** What the sign-in routes need. */
export interface AuthRoutesDeps {
  readonly unitId: string;
  readonly accounts: AccountDirectory;
  readonly tokens: TokenService;
  readonly metrics: ApiMetrics;
  /** How many sign-ins may spend a password check: per address and login, per address, per unit. */
  readonly loginBudget: LoginBudget;
  readonly revocations: TokenRevocations;
  /** Milliseconds; the budgets' clock (tests move it). */
  readonly now?: () => number;
}

const LoginBody = z.strictObject({
  login: z.string().trim().toLowerCase().min(1).max(120).describe('e-mail or user name'),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});

const AccountSummary = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  memberId: z.string().optional().describe('for role member: their member record'),
});

const TokenResponse = z.object({
  token: z.string().describe('send as "Authorization: Bearer <token>"'),
  tokenType: z.literal('Bearer'),
  expiresAt: z.string().describe('ISO-8601 UTC; refresh before this'),
  account: AccountSummary,
});

const MeResponse = z.object({
  account: AccountSummary,
  unitId: z.string(),
  expiresAt: z.string(),
  permissions: z.array(z.enum(PERMISSION_NAMES)).describe('what this account may do here'),
});

function summary(account: Account): z.infer<typeof AccountSummary> {
  return {
    id: account.id,
    name: account.name,
    role: account.role,
    ...(account.memberId ? { memberId: account.memberId } : {}),
  };
}

const REFUSALS = {
  login: 'Too many sign-in attempts for this login from this address.',
  address: 'Too many sign-in attempts from this address.',
  unit: 'This unit is receiving too many sign-in attempts right now.',
} as const;

function inWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

/** `POST /api/v1/auth/login`, `/refresh`, `/logout`, `GET /api/v1/auth/me`. */
export function authRoutes(deps: AuthRoutesDeps): FastifyPluginAsyncZod {
  const throttle = new LoginThrottle(deps.loginBudget, deps.now);
  return async (app) => {
    app.post(
      '/api/v1/auth/login',
      {
        config: { public: true },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with login and password',
          description:
            `Returns a bearer token valid for ${Math.round(deps.tokens.ttlSeconds / 60)} minutes. ` +
            `At most ${deps.loginBudget.perLogin.max} attempts per address and login and ` +
            `${deps.loginBudget.perAddress.max} per address in ${Math.round(deps.loginBudget.perAddress.timeWindowMs / 1000)} s, ` +
            `and ${deps.loginBudget.global.perSecond} password checks a second for the whole unit; beyond that a 429 with Retry-After, before any password is checked.`,
          security: [],
          body: LoginBody,
          response: { 200: TokenResponse, ...problemResponses(400, 401, 403, 429) },
        },
      },
      async (request) => {
        // Every budget is checked before the argon2 check: a refused attempt costs microseconds, not 14 ms.
        const refusal = throttle.admit(request.ip, request.body.login);
        if (refusal !== undefined) {
          deps.metrics.logins.inc({ outcome: 'rate_limited' });
          const seconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
          throw new HttpProblem(
            429,
            `${REFUSALS[refusal.scope]} Please wait ${inWords(refusal.retryAfterMs)} and try again.`,
            { headers: { 'retry-after': String(seconds) } },
          );
        }
        const result = await signIn(deps.accounts, deps.unitId, request.body.login, request.body.password);
        if (!result.ok) {
          deps.metrics.logins.inc({ outcome: result.reason.replace('-', '_') });
          // The login typed is not logged: it may be a password typed in the wrong box.
          request.log.info({ reason: result.reason, ip: request.ip }, 'sign-in refused');
          if (result.reason === 'invalid') throw unauthorized('The login or the password is wrong.');
          throw forbidden(
            result.reason === 'inactive'
              ? 'This account is deactivated. Ask the unit manager to reactivate it.'
              : `This account may not sign in at this unit (${deps.unitId}).`,
          );
        }
        deps.metrics.logins.inc({ outcome: 'ok' });
        request.log.info({ accountId: result.account.id }, 'signed in');
        const issued = await deps.tokens.issue(result.account);
        return { ...issued, tokenType: 'Bearer' as const, account: summary(result.account) };
      },
    );

    app.post(
      '/api/v1/auth/refresh',
      {
        config: { permission: 'auth:session' },
        schema: {
          tags: ['auth'],
          summary: 'Trade a valid token for a fresh one',
          description: 'Sessions last at most 12 hours from the sign-in, however often they are refreshed.',
          response: { 200: TokenResponse },
        },
      },
      async (request) => {
        const { account, claims } = sessionOf(request);
        const issued = await deps.tokens.issue(account, claims);
        return { ...issued, tokenType: 'Bearer' as const, account: summary(account) };
      },
    );

    app.post(
      '/api/v1/auth/logout',
      {
        config: { permission: 'auth:session' },
        schema: {
          tags: ['auth'],
          summary: 'Sign out: end this session',
          description:
            'Every token of this sign-in (including ones obtained by refreshing it) stops working at once. ' +
            'Changing the password ends every session of the account.',
          response: { 204: z.undefined().describe('signed out') },
        },
      },
      async (request, reply) => {
        const { claims } = sessionOf(request);
        deps.revocations.revoke(claims.sessionId, claims.authTime + deps.tokens.maxSessionSeconds);
        request.log.info({ accountId: claims.id }, 'signed out');
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/v1/auth/me',
      {
        config: { permission: 'auth:session' },
        schema: {
          tags: ['auth'],
          summary: 'Who am I, and what may I do here?',
          response: { 200: MeResponse },
        },
      },
      async (request) => {
        const { account, claims } = sessionOf(request);
        return {
          account: summary(account),
          unitId: deps.unitId,
          expiresAt: new Date(claims.expiresAt * 1000).toISOString(),
          permissions: permissionsOf(account.role),
        };
      },
    );
  };
}
