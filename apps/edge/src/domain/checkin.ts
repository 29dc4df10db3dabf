import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEEKDAYS } from './calendar.ts';
import type { MembershipStatus } from './memberships.ts';
import type { CheckInRefusal } from './operations-types.ts';

export type { CheckInRefusal } from './operations-types.ts';

/**
 * The member's QR card: `GE2.<key id>.<unit>.<member id body>.<signature>`, the signature being the
 * first 16 bytes of HMAC-SHA256(key, "GE2|<key id>|<unit>|<member id>") in base64url. It cannot be
 * forged without the key, and a unit checks it with no network. `<unit>` is the unit that issued it
 * (the member's home). The key is the chain's (issued by HQ at enrolment, the same at every unit, so a
 * card printed at one unit is read at all of them) or, for a unit without HQ, the unit's own (key id
 * `local`). The key id lets HQ rotate the chain key: units sign with the newest and still accept the
 * older ones they hold. Cards of the first format, `GE1.<unit>.<member>.<signature>` over
 * "GE1|<unit>|<member id>", were signed with the unit's own key and are still read with it.
 */
export const QR_VERSION = 'GE2';

/** The key id of a unit's own card key (`member-qr.key`), used when the unit has no chain key. */
export const LOCAL_QR_KEY_ID = 'local';

/** One card key and its id (`[a-z0-9]{1,12}`). */
export interface QrKey {
  readonly id: string;
  readonly key: Uint8Array;
}

/** The card keys a unit holds: one to sign new cards with, and all those it accepts. */
export interface QrKeyring {
  signing(): QrKey;
  accepted(id: string): Uint8Array | undefined;
}

/** A keyring over a list of keys: the first signs, every one is accepted. */
export function keyringOf(keys: readonly QrKey[]): QrKeyring {
  const [first] = keys;
  if (first === undefined) throw new Error('a card keyring needs at least one key');
  return { signing: () => first, accepted: (id) => keys.find((k) => k.id === id)?.key };
}

function hmac16(key: Uint8Array, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest().subarray(0, 16);
}

/** The text of a member's QR card, signed with the keyring's signing key. */
export function memberQr(keys: QrKeyring, unitId: string, memberId: string): string {
  const { id, key } = keys.signing();
  const body = memberId.replace(/^member:/, '');
  const sig = hmac16(key, `${QR_VERSION}|${id}|${unitId}|${memberId}`).toString('base64url');
  return `${QR_VERSION}.${id}.${unitId}.${body}.${sig}`;
}

/** What a scanned QR says, once its signature is checked. */
export type QrReading =
  | { readonly ok: true; readonly unitId: string; readonly memberId: string; readonly keyId: string }
  | { readonly ok: false; readonly reason: 'not_ours' | 'forged' | 'unknown_key' };

const CARD =
  /^(?:GE1|GE2\.([a-z0-9]{1,12}))\.([a-z0-9-]{1,40})\.([0-9A-HJKMNP-TV-Z]{26})\.([A-Za-z0-9_-]{22})$/;

/**
 * Checks a scanned QR text: ours, well formed, and signed with a key of `keys`. `unknown_key`: a card
 * signed with a key this unit does not hold (another chain, or a rotation it has not received yet).
 */
export function readMemberQr(keys: QrKeyring, text: string): QrReading {
  const trimmed = text.trim();
  const match = CARD.exec(trimmed);
  if (!match) return { ok: false, reason: 'not_ours' };
  const [, kid, unitId = '', body = '', sig = ''] = match;
  const memberId = `member:${body}`;
  const keyId = kid ?? LOCAL_QR_KEY_ID;
  const key = keys.accepted(keyId);
  if (key === undefined) return { ok: false, reason: 'unknown_key' };
  const signed = kid === undefined ? `GE1|${unitId}|${memberId}` : `GE2|${kid}|${unitId}|${memberId}`;
  const expected = hmac16(key, signed);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'forged' };
  return { ok: true, unitId, memberId, keyId };
}

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
