import { HQ_PEER } from './payloads.ts';
import { parseTopic, TOPIC_KINDS, TOPIC_ROOT, TOPICS, unitSubscriptions } from './topics.ts';

/** Who is on the other end of an MQTT connection, as HQ's enrolment issued it. */
export type SyncIdentity = { readonly role: 'unit'; readonly unitId: string } | { readonly role: 'hq' };

/**
 * The MQTT username of an identity: the unit id for a unit, `hq` for the relay. Mosquitto's `%u`
 * patterns and Aedes' authorizers both key on it.
 */
export function usernameOf(identity: SyncIdentity): string {
  return identity.role === 'hq' ? HQ_PEER : identity.unitId;
}

/**
 * Whether `identity` may publish on `topic`: a unit only on its own uplink topics
 * (`gymedge/v1/unit/<its id>/...`), HQ only on the downlink topics (and its own state).
 */
export function mayPublish(identity: SyncIdentity, topic: string): boolean {
  const parsed = parseTopic(topic);
  if (parsed === undefined) return false;
  const spec = TOPICS[parsed.kind];
  if (identity.role === 'hq') return spec.direction === 'down';
  return spec.direction === 'up' && parsed.unit === identity.unitId;
}

/**
 * Whether `identity` may subscribe to `filter`: a unit to its own downlink (`gymedge/v1/hq/<its id>/#`
 * or one of its topics) and HQ's state, nothing else and no wildcard beyond its own `#`; HQ to the
 * uplink of every unit, also inside a shared subscription group (`$share/<group>/...`).
 */
export function maySubscribe(identity: SyncIdentity, filter: string): boolean {
  if (identity.role === 'hq') {
    const bare = filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
    return bare === `${TOPIC_ROOT}/#` || bare.startsWith(`${TOPIC_ROOT}/unit/`);
  }
  if (unitSubscriptions(identity.unitId).includes(filter)) return true;
  if (filter.includes('+') || filter.includes('#') || filter.startsWith('$')) return false;
  const parsed = parseTopic(filter);
  if (parsed === undefined) return false;
  return TOPICS[parsed.kind].direction === 'down' && (parsed.unit ?? identity.unitId) === identity.unitId;
}

/**
 * A Mosquitto `acl_file` derived from the topic map: the relay (user `hq`) reads every unit's uplink and
 * writes the downlink; every other user is a unit whose username is its unit id (`%u`), which writes only
 * its own uplink and reads only its own downlink and HQ's state.
 */
export function mosquittoAcl(): string {
  const lines = ['# GymEdge sync ACL, generated from @gymedge/sync-protocol', `user ${HQ_PEER}`];
  lines.push(`topic read ${TOPIC_ROOT}/unit/#`);
  for (const kind of TOPIC_KINDS) {
    if (TOPICS[kind].direction === 'down')
      lines.push(`topic write ${TOPICS[kind].pattern.replace('{unit}', '+')}`);
  }
  lines.push('', '# units (username = unit id)');
  for (const kind of TOPIC_KINDS) {
    const spec = TOPICS[kind];
    if (spec.direction === 'up') lines.push(`pattern write ${spec.pattern.replace('{unit}', '%u')}`);
  }
  lines.push(`pattern read ${TOPIC_ROOT}/hq/%u/#`, `pattern read ${TOPICS.hqState.pattern}`, '');
  return lines.join('\n');
}
