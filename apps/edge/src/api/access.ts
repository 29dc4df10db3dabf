import type { Role } from '@gymedge/crdt-schema';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Account, AccountDirectory, Actor } from '../services/contracts.ts';
import { mayActIn } from './auth.ts';
import { can, OWN_PERMISSIONS, PERMISSION_NAMES, type Permission } from './permissions.ts';
import { forbidden, unauthorized } from './problems.ts';
import {
  type TokenClaims,
  TokenError,
  type TokenFailure,
  type TokenRevocations,
  type TokenService,
} from './tokens.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a route needs; any one of several permissions lets the request through. */
    permission?: Permission | readonly Permission[];
    /** For an own-records permission (`members:read-own`): the path param that must be the caller's member id. */
    ownerParam?: string;
    /** Open to anyone without a token: health, docs, login. Must be said explicitly. */
    public?: boolean;
    /**
     * A protected route that a caller on this machine (loopback address) may also call without a token
     * (`/metrics` for a local Prometheus); such a request has `request.auth === null`, and the route must
     * then leave out whatever needs the permission.
     */
    loopbackWithoutToken?: boolean;
  }
  interface FastifyRequest {
    /** The signed-in caller; set by the access hook on every non-public route. */
    auth: Session | null;
  }
}

/** An API actor is always a person or device with a role (never `system`). */
export interface ApiActor extends Actor {
  readonly role: Role;
}

/** Who is calling, from a verified token checked against the current account. */
export interface Session {
  readonly actor: ApiActor;
  readonly account: Account;
  readonly claims: TokenClaims;
}

const TOKEN_MESSAGES: Record<TokenFailure, string> = {
  expired: 'Your session has expired. Please sign in again.',
  'wrong-unit': 'This token was issued by another unit. Please sign in at this unit.',
  'session-too-old': 'You signed in too long ago. Please sign in again.',
  invalid: 'The bearer token is not valid. Please sign in again.',
};

function permissionsOf(config: { permission?: Permission | readonly Permission[] }): readonly Permission[] {
  const { permission } = config;
  if (permission === undefined) return [];
  return typeof permission === 'string' ? [permission] : permission;
}

/** Refuses, at start-up, a route that says neither which permission it needs nor that it is public. */
function checkDeclaration(route: RouteOptions): void {
  const name = `${String(route.method)} ${route.url}`;
  const config = route.config ?? {};
  const permissions = permissionsOf(config);
  if (config.public === true) {
    if (permissions.length > 0) throw new Error(`route ${name} is public and also names a permission`);
    return;
  }
  if (permissions.length === 0) {
    throw new Error(`route ${name} declares no permission; set config.permission or config.public`);
  }
  for (const permission of permissions) {
    if (!PERMISSION_NAMES.includes(permission))
      throw new Error(`route ${name}: unknown permission ${permission}`);
    if (OWN_PERMISSIONS.has(permission) && !route.url.includes(`:${config.ownerParam ?? '\0'}`)) {
      throw new Error(`route ${name}: ${permission} needs config.ownerParam naming one of its path params`);
    }
  }
}

function paramOf(request: FastifyRequest, name: string): unknown {
  const params = request.params;
  return typeof params === 'object' && params !== null ? Reflect.get(params, name) : undefined;
}

/** The permission check proper: any declared permission the role holds (own ones only on own records). */
function authorize(request: FastifyRequest, actor: ApiActor): void {
  const config = request.routeOptions.config;
  const needed = permissionsOf(config);
  for (const permission of needed) {
    if (!can(actor.role, permission)) continue;
    if (!OWN_PERMISSIONS.has(permission)) return;
    const owner = config.ownerParam === undefined ? undefined : paramOf(request, config.ownerParam);
    if (actor.memberId !== undefined && owner === actor.memberId) return;
    throw forbidden(`Your account (${actor.role}) may only see its own record, not this one.`);
  }
  const general = needed.filter((permission) => !OWN_PERMISSIONS.has(permission));
  throw forbidden(
    needed.length === 0
      ? 'This route declares no permission, so it is closed.'
      : `Your role (${actor.role}) may not do this: it needs the permission ${general.join(' or ')}.`,
  );
}

/** Options of {@link installAccessControl}. */
export interface AccessControlOptions {
  readonly unitId: string;
  readonly tokens: TokenService;
  readonly accounts: AccountDirectory;
  /**
   * Route prefixes served by plugins (the docs UI) that are public without saying so themselves: the
   * prefix itself and paths under it (`/api/docs`, `/api/docs/json`), never `/api/docsX`.
   */
  readonly publicPrefixes: readonly string[];
  /** Signed-out sessions. */
  readonly revocations: TokenRevocations;
}

/** Is this path the prefix itself or below it (segment-wise, not character-wise)? */
export function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/** Is the request from this machine (and not relayed by a proxy)? */
export function fromLoopback(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? '';
  const local = address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
  return local && request.headers['x-forwarded-for'] === undefined;
}

/** Reads and checks the bearer token, then the caller's current account, then the route's permission. */
async function authenticate(request: FastifyRequest, options: AccessControlOptions): Promise<Session> {
  const header = request.headers.authorization;
  const token = header?.match(/^Bearer +([A-Za-z0-9._~+/=-]+)$/i)?.[1];
  if (token === undefined) {
    throw unauthorized(
      header === undefined
        ? 'Please sign in: this needs a bearer token from POST /api/v1/auth/login.'
        : 'The Authorization header must read "Bearer <token>".',
      header !== undefined,
    );
  }
  let claims: TokenClaims;
  try {
    claims = await options.tokens.verify(token);
  } catch (error) {
    if (error instanceof TokenError) {
      if (error.reason === 'wrong-unit' && error.claimedUnit !== undefined) {
        throw unauthorized(
          `This token was issued by unit ${error.claimedUnit}, and this is unit ${options.unitId}. ` +
            'Please sign in at this unit.',
          true,
        );
      }
      throw unauthorized(TOKEN_MESSAGES[error.reason], true);
    }
    throw error;
  }
  if (options.revocations.isRevoked(claims.sessionId)) {
    throw unauthorized('You signed out of this session. Please sign in again.', true);
  }
  // Deactivating an account, or changing its role or units, takes effect at once, not at token expiry.
  const account = options.accounts.findById(claims.id);
  if (
    account === undefined ||
    !account.active ||
    account.role !== claims.role ||
    account.memberId !== claims.memberId ||
    !mayActIn(account, options.unitId)
  ) {
    throw unauthorized('Your account changed since you signed in. Please sign in again.', true);
  }
  if (account.credentialStamp !== claims.credentialStamp) {
    throw unauthorized(
      'The password of this account was changed since you signed in. Please sign in again.',
      true,
    );
  }
  const actor: ApiActor = {
    id: account.id,
    role: account.role,
    ...(account.memberId ? { memberId: account.memberId } : {}),
  };
  return { actor, account, claims };
}

/**
 * Installs access control: every route must declare `config.permission` or `config.public` (checked when
 * the route is added, so a forgotten declaration stops the API from starting), and one `onRequest` hook
 * authenticates and authorizes before the body is even read.
 */
export function installAccessControl(app: FastifyInstance, options: AccessControlOptions): void {
  app.decorateRequest('auth', null);
  app.addHook('onRoute', (route) => {
    if (options.publicPrefixes.some((prefix) => underPrefix(route.url, prefix))) {
      route.config = { ...route.config, public: true };
    }
    checkDeclaration(route);
  });
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (request.is404 || config.public === true) return;
    if (
      config.loopbackWithoutToken === true &&
      request.headers.authorization === undefined &&
      fromLoopback(request)
    ) {
      return;
    }
    const session = await authenticate(request, options);
    request.auth = session;
    authorize(request, session.actor);
  });
}

/** The session of a protected route's request (the access hook guarantees it). */
export function sessionOf(request: FastifyRequest): Session {
  if (request.auth === null) throw unauthorized('Please sign in first.');
  return request.auth;
}
