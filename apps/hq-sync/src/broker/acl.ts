import { HQ_PEER, mayPublish, maySubscribe, type SyncIdentity, usernameOf } from '@gymedge/sync-protocol';

/**
 * The broker side of link security. The rules themselves (who may publish and subscribe what) are
 * `@gymedge/sync-protocol`'s, derived from its one topic map; this file only adds what a broker needs
 * around them.
 */
export { mayPublish, maySubscribe, type SyncIdentity, usernameOf };

/**
 * The client ids an identity may use, so that one unit can never take over another unit's persistent
 * session by connecting with its client id: a unit `U` uses `U`, `gymedge-unit-U` (what the unit's sync
 * client sends) or either with a `.<suffix>`; HQ (`hq`) uses `hq`, `hq.<suffix>` or `gymedge-hq…` (the
 * relay's instances). Enrolment refuses unit ids starting with `gymedge-`, so these never collide.
 */
export function clientIdAllowed(username: string, clientId: string): boolean {
  const is = (base: string) => clientId === base || clientId.startsWith(`${base}.`);
  if (username === HQ_PEER) return is(HQ_PEER) || clientId.startsWith('gymedge-hq');
  return is(username) || is(`gymedge-unit-${username}`);
}
