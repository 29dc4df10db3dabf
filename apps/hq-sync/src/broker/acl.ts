import { mayPublish, maySubscribe, type SyncIdentity, usernameOf } from '@gymedge/sync-protocol';

/**
 * The broker side of link security. The rules themselves (who may publish and subscribe what) are
 * `@gymedge/sync-protocol`'s, derived from its one topic map; this file only adds what a broker needs
 * around them.
 */
export { mayPublish, maySubscribe, type SyncIdentity, usernameOf };

/**
 * The client ids an identity may use: its username, or `<username>.<anything>` (several relay
 * instances, a test's second connection), so one unit can never take over another unit's persistent
 * session by connecting with its client id.
 */
export function clientIdAllowed(username: string, clientId: string): boolean {
  return clientId === username || clientId.startsWith(`${username}.`);
}
