import { UnitId } from '@gymedge/crdt-schema';
import { z } from 'zod';

/**
 * The unit's sync credentials file (`<dataDir>/<unit>/sync.json`, mode 0600), written by
 * `gymedge hq enrol --unit ID` at HQ and copied to the unit. When it is present the unit starts syncing.
 */
export const SyncCredentials = z.strictObject({
  version: z.literal(1),
  unitId: UnitId,
  /** `mqtt://host:port` or `mqtts://host:port`. */
  brokerUrl: z.string().regex(/^mqtts?:\/\/[^\s]+$/, 'an mqtt:// or mqtts:// URL'),
  /** MQTT username: the unit id. */
  username: z.string().min(1).max(120),
  password: z.string().min(16).max(400),
  /** CA certificate (PEM) to trust for mqtts, when HQ's broker uses its own CA. */
  caPem: z.string().max(20_000).optional(),
  /**
   * Base64 of 32 random bytes shared by this unit and HQ only: wraps the member keys that travel
   * between them (AES-256-GCM), so a key is never in the clear on the wire or in the broker.
   */
  linkKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'base64 of 32 bytes'),
  issuedAt: z.iso.datetime({ offset: false }),
  /**
   * The chain's member-card keys (base64 of 32 bytes each), the same at every unit: the first signs the
   * member QR cards this unit prints, all are accepted when a card is scanned, so a card printed at one
   * unit is read at every unit. Newest first: a rotation puts a new key first and keeps the older ones
   * for the cards already printed. Absent (older HQ): the unit signs with its own key.
   */
  memberCardKeys: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9]{1,12}$/, 'a key id: 1-12 lowercase letters or digits'),
        key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'base64 of 32 bytes'),
      }),
    )
    .min(1)
    .max(8)
    .optional(),
  /** MQTT protocol version; MQTT 5 by default, with a fallback to 3.1.1 for brokers without it (Aedes). */
  protocolVersion: z.union([z.literal(4), z.literal(5)]).optional(),
});
export type SyncCredentials = z.infer<typeof SyncCredentials>;
