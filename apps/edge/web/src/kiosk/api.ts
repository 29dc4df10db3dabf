import { ApiError, createSession, type SignedIn } from '@gymedge/ui';

// The answers the kiosk reads are the services' own types (type-only: nothing of the unit's code is bundled).
export type {
  BookingOutcome,
  CancelOutcome,
  CheckInResult,
  SessionSummary,
} from '../../../src/domain/operations-types.ts';

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
