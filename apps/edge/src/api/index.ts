/** The unit's HTTP API: what the composition root wires. */
export type { ApiActor, Session } from './access.ts';
export { hashPassword, MAX_PASSWORD_LENGTH, PASSWORD_HASH_OPTIONS, verifyPassword } from './auth.ts';
export { HealthReport, PublicHealthReport } from './health.ts';
export { type ApiMetrics, createApiMetrics } from './metrics.ts';
export { can, PERMISSION_NAMES, PERMISSIONS, type Permission, permissionsOf } from './permissions.ts';
export { HttpProblem, Problem } from './problems.ts';
export { type ApiDeps, type ApiOptions, type ApiPlugin, buildApi, DEFAULT_BODY_LIMIT } from './server.ts';
export {
  type IssuedToken,
  type TokenClaims,
  TokenError,
  type TokenFailure,
  TokenService,
  type TokenServiceOptions,
  type TokenSubject,
} from './tokens.ts';
