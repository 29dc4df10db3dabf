/**
 * @gymedge/sync-protocol: every MQTT topic of GymEdge sync (`gymedge/v1/...`) and its payload in one
 * zod map (`TOPICS`), the topic builders and parsers, the ACL rules both brokers enforce, chunking of
 * large payloads, and the unit's sync credentials file. Units and HQ import it; nothing else defines
 * a topic. docs/sync.md describes the protocol.
 */
export * from './acl.ts';
export * from './chunks.ts';
export * from './credentials.ts';
export * from './payloads.ts';
export * from './topics.ts';
