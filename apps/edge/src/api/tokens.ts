import { randomUUID, webcrypto } from 'node:crypto';
import { Role } from '@gymedge/crdt-schema';
import { decodeJwt, errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

/** The account a token speaks for. */
export interface TokenSubject {
  /** Account (staff document) id. */
  readonly id: string;
  readonly role: Role;
  /** For role `member`: the member the account belongs to. */
  readonly memberId?: string;
  /** The account's credential stamp when the token was issued: a password change ends the token. */
  readonly credentialStamp: string;
}

/** What a verified token says. Times are seconds since the epoch, as in JWT. */
export interface TokenClaims extends TokenSubject {
  readonly unitId: string;
  /** When the person typed their password; refreshes keep it, so a session cannot live forever. */
  readonly authTime: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** The sign-in this token belongs to; refreshes keep it, and logging out revokes it (every token of it). */
  readonly sessionId: string;
}

export interface IssuedToken {
  readonly token: string;
  /** ISO-8601 UTC. */
  readonly expiresAt: string;
}

/** Why a token was refused; the API says so in the 401. */
export type TokenFailure = 'expired' | 'wrong-unit' | 'session-too-old' | 'invalid';

export class TokenError extends Error {
  override readonly name = 'TokenError';
  constructor(
    readonly reason: TokenFailure,
    /** For `wrong-unit`: the unit the token says it is for (unverified, only to say so). */
    readonly claimedUnit?: string,
  ) {
    super(`token refused: ${reason}`);
  }
}

/**
 * Sessions ended before their tokens expire (sign-out). Kept by session id until the session could no
 * longer be refreshed anyway, so the list stays small.
 */
export interface TokenRevocations {
  /** Ends every token of this session; `until` is seconds since the epoch after which it may be forgotten. */
  revoke(sessionId: string, until: number): void;
  isRevoked(sessionId: string): boolean;
}

/** Revocations in memory (tests, or a unit without a database); lost on restart. */
export class MemoryRevocations implements TokenRevocations {
  readonly #until = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}
  revoke(sessionId: string, until: number): void {
    this.#until.set(sessionId, until);
    const now = this.now() / 1000;
    for (const [id, end] of this.#until) if (end < now) this.#until.delete(id);
  }
  isRevoked(sessionId: string): boolean {
    return this.#until.has(sessionId);
  }
}

/** Options of {@link TokenService}. */
export interface TokenServiceOptions {
  /** HMAC key, at least 32 bytes of real randomness (not a password). */
  readonly secret: Uint8Array;
  /** The unit whose API accepts these tokens; a token of another unit is refused. */
  readonly unitId: string;
  /** Lifetime of one token; default 15 minutes. */
  readonly ttlSeconds?: number;
  /** How long refreshes can extend a sign-in before the password is asked again; default 12 hours. */
  readonly maxSessionSeconds?: number;
  /** Clock in milliseconds (tests move it). */
  readonly now?: () => number;
}

const VERIFIED_CACHE_SIZE = 1024;

const Payload = z.object({
  sub: z.string().min(1),
  role: Role,
  unit: z.string(),
  memberId: z.string().optional(),
  auth_time: z.number().int(),
  iat: z.number().int(),
  exp: z.number().int(),
  sid: z.string().min(1),
  cst: z.string(),
});

/**
 * Short-lived bearer tokens (JWT, HS256). The audience is `gymedge-unit:<unitId>`, so a token issued by
 * one unit is refused by every other unit even when the chain shares one key.
 */
export class TokenService {
  readonly ttlSeconds: number;
  readonly maxSessionSeconds: number;
  readonly audience: string;
  readonly #secret: Uint8Array;
  #key: Promise<webcrypto.CryptoKey> | undefined;
  /** Tokens whose signature and claims were already checked (a kiosk sends the same one all day). */
  readonly #verified = new Map<string, TokenClaims>();
  readonly #unitId: string;
  readonly #now: () => number;

  constructor(options: TokenServiceOptions) {
    if (options.secret.byteLength < 32) throw new Error('the token secret must be at least 32 bytes');
    this.#secret = options.secret;
    this.#unitId = options.unitId;
    this.ttlSeconds = options.ttlSeconds ?? 15 * 60;
    this.maxSessionSeconds = options.maxSessionSeconds ?? 12 * 60 * 60;
    this.audience = `gymedge-unit:${options.unitId}`;
    this.#now = options.now ?? Date.now;
  }

  /** The HMAC key, imported once (importing it on every verify costs more than the verify itself). */
  #cryptoKey(): Promise<webcrypto.CryptoKey> {
    this.#key ??= webcrypto.subtle.importKey('raw', this.#secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    return this.#key;
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** Issues a token; pass the session being refreshed (its start and id), or nothing for a new sign-in. */
  async issue(
    subject: TokenSubject,
    session?: { readonly authTime: number; readonly sessionId: string },
  ): Promise<IssuedToken> {
    const now = this.#seconds();
    const sessionStart = session?.authTime ?? now;
    const expiresAt = Math.min(now + this.ttlSeconds, sessionStart + this.maxSessionSeconds);
    const token = await new SignJWT({
      role: subject.role,
      unit: this.#unitId,
      auth_time: sessionStart,
      sid: session?.sessionId ?? randomUUID(),
      cst: subject.credentialStamp,
      ...(subject.memberId ? { memberId: subject.memberId } : {}),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subject.id)
      .setIssuer(this.audience)
      .setAudience(this.audience)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(await this.#cryptoKey());
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }

  /** Checks signature, audience, issuer and expiry; throws {@link TokenError} saying why not. */
  async verify(token: string): Promise<TokenClaims> {
    const claims = this.#verified.get(token) ?? (await this.#verifySignature(token));
    const now = this.#seconds();
    if (now >= claims.expiresAt) throw new TokenError('expired');
    if (now - claims.authTime > this.maxSessionSeconds) throw new TokenError('session-too-old');
    return claims;
  }

  /** The unit an unverified token claims to be for, or undefined when it cannot be read. */
  #claimedUnit(token: string): string | undefined {
    try {
      const payload = decodeJwt(token);
      const unit = payload.unit;
      if (typeof unit === 'string' && /^[a-z0-9-]{1,64}$/.test(unit)) return unit;
      const aud = typeof payload.aud === 'string' ? payload.aud : undefined;
      const fromAudience = aud?.match(/^gymedge-unit:([a-z0-9-]{1,64})$/)?.[1];
      return fromAudience;
    } catch {
      return undefined;
    }
  }

  async #verifySignature(token: string): Promise<TokenClaims> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, await this.#cryptoKey(), {
        algorithms: ['HS256'],
        audience: this.audience,
        issuer: this.audience,
        currentDate: new Date(this.#now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new TokenError('expired');
      if (
        error instanceof errors.JWTClaimValidationFailed &&
        (error.claim === 'aud' || error.claim === 'iss')
      ) {
        throw new TokenError('wrong-unit', this.#claimedUnit(token));
      }
      // Each unit signs with its own key, so another unit's token fails on its signature: say so when its
      // (unverified) claims name another unit, rather than a bare "not valid".
      const claimed = this.#claimedUnit(token);
      if (claimed !== undefined && claimed !== this.#unitId) throw new TokenError('wrong-unit', claimed);
      throw new TokenError('invalid');
    }
    const parsed = Payload.safeParse(payload);
    if (!parsed.success || parsed.data.unit !== this.#unitId) throw new TokenError('invalid');
    const { sub, role, unit, memberId, auth_time, iat, exp, sid, cst } = parsed.data;
    const claims: TokenClaims = {
      id: sub,
      role,
      unitId: unit,
      authTime: auth_time,
      issuedAt: iat,
      expiresAt: exp,
      sessionId: sid,
      credentialStamp: cst,
      ...(memberId ? { memberId } : {}),
    };
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.#verified.keys().next();
      if (!oldest.done) this.#verified.delete(oldest.value);
    }
    this.#verified.set(token, claims);
    return claims;
  }
}
