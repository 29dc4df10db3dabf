import { randomUUID, webcrypto } from 'node:crypto';
import { Role } from '@gymedge/crdt-schema';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

/** The account a token speaks for. */
export interface TokenSubject {
  /** Account (staff document) id. */
  readonly id: string;
  readonly role: Role;
  /** For role `member`: the member the account belongs to. */
  readonly memberId?: string;
}

/** What a verified token says. Times are seconds since the epoch, as in JWT. */
export interface TokenClaims extends TokenSubject {
  readonly unitId: string;
  /** When the person typed their password; refreshes keep it, so a session cannot live forever. */
  readonly authTime: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
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
  constructor(readonly reason: TokenFailure) {
    super(`token refused: ${reason}`);
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

  /** Issues a token; pass the `authTime` of the session being refreshed, or nothing for a new sign-in. */
  async issue(subject: TokenSubject, authTime?: number): Promise<IssuedToken> {
    const now = this.#seconds();
    const sessionStart = authTime ?? now;
    const expiresAt = Math.min(now + this.ttlSeconds, sessionStart + this.maxSessionSeconds);
    const token = await new SignJWT({
      role: subject.role,
      unit: this.#unitId,
      auth_time: sessionStart,
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
        throw new TokenError('wrong-unit');
      }
      throw new TokenError('invalid');
    }
    const parsed = Payload.safeParse(payload);
    if (!parsed.success || parsed.data.unit !== this.#unitId) throw new TokenError('invalid');
    const { sub, role, unit, memberId, auth_time, iat, exp } = parsed.data;
    const claims: TokenClaims = {
      id: sub,
      role,
      unitId: unit,
      authTime: auth_time,
      issuedAt: iat,
      expiresAt: exp,
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
