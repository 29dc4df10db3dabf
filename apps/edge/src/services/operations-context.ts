import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deterministicDocId, type UnitDoc } from '@gymedge/crdt-schema';
import { z } from 'zod';
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

/** What every operations service shares: the unit's store, clock, zone, rules and secrets. */
export interface OperationsContext {
  readonly unit: UnitStore;
  readonly unitId: string;
  readonly config: OperationsConfig;
  readonly rules: ClassRules;
  /** Signs member QR codes (see domain/checkin.ts). */
  readonly qrKey: Uint8Array;
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
    qrKey: unitSecret(dir, 'member-qr.key'),
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
