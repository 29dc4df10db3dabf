import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, type Stats, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deterministicDocId, type UnitDoc } from '@gymedge/crdt-schema';
import { SyncCredentials } from '@gymedge/sync-protocol';
import { z } from 'zod';
import { keyringOf, LOCAL_QR_KEY_ID, type QrKey, type QrKeyring } from '../domain/checkin.ts';
import { type ClassRules, DEFAULT_CLASS_RULES } from '../domain/classes.ts';
import { localDate } from '../domain/time.ts';
import type { Logger } from '../lib/logger.ts';
import type { UnitStore } from '../unit-store.ts';

/** `<unit folder>/operations.json`: the unit's own operating settings (all optional). */
export const OperationsConfig = z.strictObject({
  /** The gym's Pix key (CNPJ digits, e-mail, +55 phone or random key) for static Pix charges. */
  pixKey: z.string().trim().min(5).max(77).default('12345678000195'),
  /** Receiver name on Pix charges; default the unit's name. */
  pixMerchantName: z.string().max(25).optional(),
  /** Receiver city on Pix charges; default the unit's city. */
  pixMerchantCity: z.string().max(15).optional(),
  classRules: z
    .strictObject({
      bookingOpensHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 60),
      bookingClosesMinutes: z
        .number()
        .int()
        .min(0)
        .max(24 * 60),
      lateCancelHours: z.number().min(0).max(72),
      noShowLimit: z.number().int().min(1).max(100),
      noShowWindowDays: z.number().int().min(1).max(365),
      noShowBlockDays: z.number().int().min(0).max(365),
    })
    .partial()
    .default({}),
  /**
   * Let a screen on this machine (Chromium kiosk or the Electron shell, over 127.0.0.1) sign in as the
   * unit's kiosk device without a password. Off: kiosks pair with the device login and password.
   */
  kioskLoopbackPairing: z.boolean().default(true),
  /** Minutes after a check-in during which the member counts as inside (a second check-in is refused). */
  reentryMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(120),
});
export type OperationsConfig = z.infer<typeof OperationsConfig>;

/** Reads `operations.json` from the unit folder, with a clear error for a bad file. */
export function loadOperationsConfig(dir: string): OperationsConfig {
  const path = join(dir, 'operations.json');
  if (!existsSync(path)) return OperationsConfig.parse({});
  const parsed = OperationsConfig.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** A 32-byte secret kept in the unit folder (created on first use, readable by this user only). */
export function unitSecret(dir: string, name: string): Uint8Array {
  const path = join(dir, name);
  if (!existsSync(path)) {
    try {
      writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
  }
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
}

/**
 * The unit's member-card keys: the chain's, which HQ puts in the unit's credentials (`sync.json`, from
 * `gymedge hq enrol`), newest first, then the unit's own `member-qr.key` (id `local`: cards printed
 * before the unit was enrolled, and every card of a unit without HQ). New cards are signed with the
 * chain's newest key when there is one. `sync.json` is looked at again when it changes (a re-enrolment
 * after `gymedge hq rotate-card-key`); a file that does not parse leaves the unit with its own key.
 */
export function unitCardKeyring(dir: string, logger?: Logger): QrKeyring {
  const local: QrKey = { id: LOCAL_QR_KEY_ID, key: unitSecret(dir, 'member-qr.key') };
  const alone = keyringOf([local]);
  const path = join(dir, 'sync.json');
  let seen: { stat: Stats; ring: QrKeyring } | undefined;
  const current = (): QrKeyring => {
    let stat: Stats;
    try {
      stat = statSync(path);
    } catch {
      return alone;
    }
    if (
      seen !== undefined &&
      seen.stat.ino === stat.ino &&
      seen.stat.mtimeMs === stat.mtimeMs &&
      seen.stat.size === stat.size
    )
      return seen.ring;
    let ring = alone;
    try {
      const keys = SyncCredentials.parse(JSON.parse(readFileSync(path, 'utf8'))).memberCardKeys ?? [];
      ring = keyringOf([...keys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') })), local]);
    } catch (error) {
      logger?.warn({ err: error, path }, 'sync credentials unreadable: member cards use the unit key');
    }
    seen = { stat, ring };
    return ring;
  };
  return { signing: () => current().signing(), accepted: (id) => current().accepted(id) };
}

/** What every operations service shares: the unit's store, clock, zone, rules and secrets. */
export interface OperationsContext {
  readonly unit: UnitStore;
  readonly unitId: string;
  readonly config: OperationsConfig;
  readonly rules: ClassRules;
  /** Signs and checks member QR cards (see domain/checkin.ts and {@link unitCardKeyring}). */
  readonly qrKey: QrKeyring;
  /** Signs "member being served" tickets given to a kiosk at check-in. */
  readonly servingKey: Uint8Array;
  readonly logger: Logger;
  now(): Date;
  unitDoc(): UnitDoc | undefined;
  timeZone(): string;
  /** The unit's local date now. */
  today(): string;
}

/** Options of {@link createOperationsContext}. */
export interface OperationsContextOptions {
  readonly unit: UnitStore;
  readonly unitId: string;
  readonly logger: Logger;
  readonly clock?: () => Date;
  readonly config?: OperationsConfig;
}

export function createOperationsContext(options: OperationsContextOptions): OperationsContext {
  const dir = dirname(options.unit.path);
  const config = options.config ?? loadOperationsConfig(dir);
  const clock = options.clock ?? (() => new Date());
  const unitDocId = deterministicDocId('unit', options.unitId);
  const unitDoc = () => options.unit.store.get<'unit'>(unitDocId);
  const timeZone = () => unitDoc()?.timeZone ?? 'America/Sao_Paulo';
  return {
    unit: options.unit,
    unitId: options.unitId,
    config,
    rules: { ...DEFAULT_CLASS_RULES, ...config.classRules },
    qrKey: unitCardKeyring(dir, options.logger),
    servingKey: unitSecret(dir, 'kiosk-serving.key'),
    logger: options.logger,
    now: clock,
    unitDoc,
    timeZone,
    today: () => localDate(clock(), timeZone()),
  };
}

/** Short random key for entries inside documents (bookings, freezes, maintenance). */
export function entryKey(): string {
  return randomBytes(12).toString('base64url');
}
