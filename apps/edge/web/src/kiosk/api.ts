import { ApiError, createSession, type SignedIn } from '@gymedge/ui';

/** A class as the kiosk lists it (GET /api/v1/sessions). */
export interface SessionSummary {
  readonly id: string;
  readonly title: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly room?: string;
  readonly capacity: number;
  readonly booked: number;
  readonly waitlisted: number;
  readonly seatsLeft: number;
  readonly status: string;
  readonly bookingOpensAt: string;
  readonly bookingClosesAt: string;
  readonly timeZone: string;
  readonly mine?: {
    readonly status: 'booked' | 'waitlisted';
    readonly position?: number;
    readonly promoted?: boolean;
  };
}

/** POST /api/v1/checkins. */
export interface CheckInResult {
  readonly allowed: boolean;
  readonly reason?: string;
  readonly until?: string;
  readonly since?: string;
  readonly at: string;
  readonly timeZone: string;
  readonly member?: { readonly id: string; readonly firstName: string };
  readonly planName?: string;
  readonly inGrace?: string;
  readonly serving?: string;
  readonly upcoming: readonly SessionSummary[];
  readonly promotions: readonly SessionSummary[];
}

export interface BookingOutcome {
  readonly status: 'booked' | 'waitlisted' | 'refused';
  readonly position?: number;
  readonly reason?: string;
  readonly detail?: string;
}

export interface CancelOutcome {
  readonly status: 'cancelled' | 'left_waitlist' | 'refused';
  readonly late?: boolean;
  readonly reason?: string;
}

function isSignedIn(value: unknown): value is SignedIn {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'token') === 'string';
}

/** The kiosk's session: paired over loopback when the unit allows it, re-paired when the token expires. */
export const session = createSession({
  storageKey: 'gymedge.kiosk.session',
  renew: async (api) => {
    const result = await api.post('/api/v1/kiosk/pair', undefined, { retry: true });
    return isSignedIn(result) ? result : undefined;
  },
});

/** Pairs at start; false when this kiosk must sign in with the device login instead. */
export async function pair(): Promise<boolean> {
  if (session.current()) return true;
  try {
    const bare = await fetch('/api/v1/kiosk/pair', {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    if (!bare.ok) return false;
    const body: unknown = await bare.json();
    if (!isSignedIn(body)) return false;
    session.adopt(body);
    return true;
  } catch {
    // the unit is not up yet: the API client retries on first use
    return false;
  }
}

export { ApiError };
