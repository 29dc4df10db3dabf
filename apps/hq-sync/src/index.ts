/**
 * @gymedge/hq-sync: HQ. `startHq` composes HQ's store (the same store code a unit opens), the MQTT broker
 * (embedded Aedes by default, or Mosquitto/EMQX by URL) with one identity per unit and the topic ACLs of
 * `@gymedge/sync-protocol`, the relay core, and the HQ API with the sync dashboard on :8090.
 */
export * from './accounts.ts';
export * from './api/snapshot.ts';
export * from './broker/acl.ts';
export * from './broker/embedded-broker.ts';
export * from './broker/identities.ts';
export * from './broker/mosquitto.ts';
export * from './broker/password-hash.ts';
export * from './chain-members.ts';
export * from './enrolment.ts';
export * from './hq-app.ts';
export * from './presence.ts';
export * from './relay/index.ts';
