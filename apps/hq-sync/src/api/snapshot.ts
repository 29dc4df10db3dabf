import { z } from 'zod';

/**
 * The HQ sync dashboard's data, one schema for the API (`GET /api/v1/units`, `/api/v1/sync/events`) and
 * the browser (which parses every answer with it). No Node imports here: the dashboard bundles this file.
 */

/** One unit as HQ sees it. */
export const UnitSync = z.object({
  unitId: z.string(),
  name: z.string().optional(),
  state: z
    .enum(['online', 'offline', 'unknown'])
    .describe('from the retained .../state topic and its last will'),
  enrolled: z.boolean().describe('HQ issued this unit an MQTT identity'),
  lastSeenAt: z.string().optional().describe('when HQ last heard from the unit (ISO-8601 UTC, HQ clock)'),
  lastSyncAt: z.string().optional().describe('when HQ last durably stored a batch of the unit'),
  pendingChanges: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('changes the unit has that HQ has not acknowledged, as last reported'),
  lagSeconds: z.number().nonnegative().optional().describe('how far behind HQ is on this unit, in seconds'),
  documents: z.number().int().nonnegative().describe("the unit's documents stored at HQ"),
  quarantined: z.number().int().nonnegative().describe('changes of this unit kept aside at HQ'),
  members: z.number().int().nonnegative(),
  checkinsToday: z.number().int().nonnegative(),
  version: z.string().optional(),
});
export type UnitSync = z.infer<typeof UnitSync>;

/** The broker, as HQ reaches it. */
export const BrokerHealth = z.object({
  kind: z.enum(['aedes', 'external']),
  url: z.string(),
  reachable: z.boolean().describe('HQ is connected to it right now'),
  since: z.string().describe('since when reachable (or not)'),
  clients: z.number().int().nonnegative().optional(),
  uptimeSeconds: z.number().nonnegative().optional(),
  messagesIn: z.number().int().nonnegative().optional(),
  refusedConnects: z.number().int().nonnegative().optional(),
  refusedPublishes: z.number().int().nonnegative().optional(),
  refusedSubscribes: z.number().int().nonnegative().optional(),
  lastError: z.string().optional(),
});
export type BrokerHealth = z.infer<typeof BrokerHealth>;

/** Everything the dashboard shows, at one moment. */
export const SyncSnapshot = z.object({
  at: z.string(),
  relay: z.enum(['running', 'stopped', 'not_available']),
  broker: BrokerHealth,
  units: z.array(UnitSync),
  chain: z.object({
    units: z.number().int().nonnegative(),
    online: z.number().int().nonnegative(),
    members: z.number().int().nonnegative(),
    checkinsToday: z.number().int().nonnegative(),
    documents: z.number().int().nonnegative(),
    quarantined: z.number().int().nonnegative(),
    pendingChanges: z.number().int().nonnegative(),
  }),
});
export type SyncSnapshot = z.infer<typeof SyncSnapshot>;

/** A change HQ kept aside instead of applying. */
export const QuarantineItem = z.object({
  id: z.number().int(),
  unitId: z.string().describe('the unit it came from'),
  docId: z.string(),
  docType: z.string().optional(),
  reason: z.string().describe('why it was not applied, in plain words'),
  origin: z.string().describe('remote (arrived from a unit) or load (a stored document failed its schema)'),
  receivedAt: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  resolvedAt: z.string().optional(),
});
export type QuarantineItem = z.infer<typeof QuarantineItem>;

export const QuarantinePage = z.object({ items: z.array(QuarantineItem), total: z.number().int() });
export type QuarantinePage = z.infer<typeof QuarantinePage>;

/** What retrying a quarantined change did. */
export const RetryOutcome = z.object({
  id: z.number().int(),
  outcome: z.enum(['applied', 'duplicate', 'buffered', 'quarantined']),
  reason: z.string().optional().describe('why it is still not applied'),
});
export type RetryOutcome = z.infer<typeof RetryOutcome>;
