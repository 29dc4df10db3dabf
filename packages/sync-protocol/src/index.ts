/**
 * @gymedge/sync-protocol: every MQTT topic of GymEdge sync (`gymedge/v1/...`) and its payload in one
 * zod map (`TOPICS`), the topic builders and parsers, the ACL rules both brokers enforce, chunking of
 * large payloads, the unit's sync credentials file, and the engine both ends run (MQTT link with
 * backoff, outbox and batch sender over `change_log`, batch receiver over the inbox, heads repair). Units and HQ import it; nothing else defines
 * a topic. docs/sync.md describes the protocol.
 */
export * from './acl.ts';
export * from './chunks.ts';
export * from './credentials.ts';
export * from './engine/chain-seed.ts';
export * from './engine/cursors.ts';
export * from './engine/keys.ts';
export * from './engine/link.ts';
export * from './engine/outbox.ts';
export * from './engine/peer.ts';
export * from './engine/repair.ts';
export * from './engine/seals.ts';
export * from './payloads.ts';
export * from './topics.ts';
