import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEEKDAYS } from './calendar.ts';
import type { MembershipStatus } from './memberships.ts';

/**
 * The member's QR code: `GE1.<unit>.<member id body>.<signature>`, the signature being the first 16
 * bytes of HMAC-SHA256(key, "GE1|<unit>|<member id>") in base64url. It cannot be forged without the
 * key, and the unit checks it with no network. `<unit>` is the unit that issued it (the member's home).
 */
export const QR_VERSION = 'GE1';

function signature(key: Uint8Array, unitId: string, memberId: string): Buffer {
  return createHmac('sha256', key).update(`${QR_VERSION}|${unitId}|${memberId}`).digest().subarray(0, 16);
}

/** The text of a member's QR code. */
export function memberQr(key: Uint8Array, unitId: string, memberId: string): string {
  const body = memberId.replace(/^member:/, '');
  return `${QR_VERSION}.${unitId}.${body}.${signature(key, unitId, memberId).toString('base64url')}`;
}

/** What a scanned QR says, once its signature is checked. */
export type QrReading =
  | { readonly ok: true; readonly unitId: string; readonly memberId: string }
  | { readonly ok: false; readonly reason: 'not_ours' | 'forged' };

/** Checks a scanned QR text: ours, well formed, and signed with `key`. */
export function readMemberQr(key: Uint8Array, text: string): QrReading {
  const match = /^GE1\.([a-z0-9-]{1,40})\.([0-9A-HJKMNP-TV-Z]{26})\.([A-Za-z0-9_-]{22})$/.exec(text.trim());
  if (!match) return { ok: false, reason: 'not_ours' };
  const [, unitId = '', body = '', sig = ''] = match;
  const memberId = `member:${body}`;
  const expected = signature(key, unitId, memberId);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'forged' };
  return { ok: true, unitId, memberId };
}

/** Why the door stays shut; each has a sentence for the member in the kiosk's pt-BR and en strings. */
export type CheckInRefusal =
  | 'member_unknown'
  | 'member_inactive'
  | 'no_active_plan'
  | 'overdue'
  | 'frozen'
  | 'wrong_unit'
  | 'closed'
  | 'already_inside'
  | 'invalid_code';

/** A membership as the check-in decision sees it. */
export interface CheckInMembership {
  readonly id: string;
  readonly planName: string;
  readonly status: MembershipStatus;
  /** The unit that sold it. */
  readonly unitId: string;
  /** `all`: valid at every unit of the chain. */
  readonly access: 'home' | 'all';
}

/** Everything the check-in decision needs, gathered by the service. */
export interface CheckInFacts {
  readonly unitId: string;
  readonly memberStatus: 'active' | 'inactive' | 'erased';
  readonly memberships: readonly CheckInMembership[];
  /** The unit's opening hours per weekday (`HH:MM`); absent: always open. */
  readonly openingHours?: Partial<Record<(typeof WEEKDAYS)[number], { opens: string; closes: string }>>;
  /** Local date and time now at the unit. */
  readonly localDate: string;
  readonly localTime: string;
  /** Weekday index of `localDate`, 0 = Monday. */
  readonly weekday: number;
  /** When the member last checked in here, if within the re-entry window. */
  readonly lastCheckInAt?: string;
}

/** The decision: come in (on which membership; `inGrace` when overdue but within the grace days), or why not. */
export type CheckInDecision =
  | {
      readonly allowed: true;
      readonly membershipId: string;
      readonly planName: string;
      readonly inGrace?: string;
    }
  | {
      readonly allowed: false;
      readonly reason: CheckInRefusal;
      readonly until?: string;
      readonly since?: string;
    };

/**
 * Decides a check-in: opening hours, then the member, then re-entry, then their memberships. Among
 * memberships valid here the best one wins (active before overdue-in-grace); the refusal reported is
 * the most helpful one (overdue tells the member what to do; "no active plan" comes last).
 */
export function decideCheckIn(facts: CheckInFacts): CheckInDecision {
  const hours = facts.openingHours?.[WEEKDAYS[facts.weekday] ?? 'mon'];
  if (
    facts.openingHours !== undefined &&
    (hours === undefined || facts.localTime < hours.opens || facts.localTime >= hours.closes)
  )
    return { allowed: false, reason: 'closed', ...(hours ? { until: hours.opens } : {}) };
  if (facts.memberStatus !== 'active') return { allowed: false, reason: 'member_inactive' };
  if (facts.lastCheckInAt !== undefined)
    return { allowed: false, reason: 'already_inside', since: facts.lastCheckInAt };
  const here = facts.memberships.filter((m) => m.access === 'all' || m.unitId === facts.unitId);
  const entering = here.filter((m) => m.status.mayEnter);
  const best = entering.find((m) => m.status.state === 'active') ?? entering[0];
  if (best)
    return {
      allowed: true,
      membershipId: best.id,
      planName: best.planName,
      ...(best.status.state === 'overdue' && best.status.graceEndsOn
        ? { inGrace: best.status.graceEndsOn }
        : {}),
    };
  const overdue = here.find((m) => m.status.state === 'overdue');
  if (overdue)
    return {
      allowed: false,
      reason: 'overdue',
      ...(overdue.status.overdueSince ? { since: overdue.status.overdueSince } : {}),
    };
  const frozen = here.find((m) => m.status.state === 'frozen');
  if (frozen)
    return {
      allowed: false,
      reason: 'frozen',
      ...(frozen.status.frozenUntil ? { until: frozen.status.frozenUntil } : {}),
    };
  if (here.length === 0 && facts.memberships.some((m) => m.status.mayEnter))
    return { allowed: false, reason: 'wrong_unit' };
  return { allowed: false, reason: 'no_active_plan' };
}

/** The reasons kept on a refused check-in record (the record schema's enum), when one applies. */
export function recordedDenial(
  reason: CheckInRefusal,
): 'no_active_membership' | 'frozen' | 'payment_overdue' | 'wrong_unit' | undefined {
  switch (reason) {
    case 'no_active_plan':
      return 'no_active_membership';
    case 'frozen':
      return 'frozen';
    case 'overdue':
      return 'payment_overdue';
    case 'wrong_unit':
      return 'wrong_unit';
    default:
      return undefined;
  }
}
