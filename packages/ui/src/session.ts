import { ApiClient, type ApiClientOptions } from './api.ts';
import { createReachability, type Reachability } from './reachability.ts';

/** A signed-in account as `POST /api/v1/auth/login` returns it. */
export interface SignedIn {
  readonly token: string;
  readonly expiresAt: string;
  readonly account: {
    readonly id: string;
    readonly name: string;
    readonly role: string;
    readonly memberId?: string;
  };
}

function isSignedIn(value: unknown): value is SignedIn {
  if (typeof value !== 'object' || value === null) return false;
  const account = Reflect.get(value, 'account');
  return typeof Reflect.get(value, 'token') === 'string' && typeof account === 'object' && account !== null;
}

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** sessionStorage key the token is kept under (survives reloads, not closing the tab). */
  readonly storageKey: string;
  /**
   * How to get a token again without a person (the kiosk re-pairs itself); when absent, an expired
   * session calls `onSignedOut` so the screen shows its sign-in form.
   */
  readonly renew?: (api: ApiClient) => Promise<SignedIn | undefined>;
  readonly onSignedOut?: () => void;
  readonly client?: Omit<ApiClientOptions, 'getToken' | 'reauthenticate' | 'onReachability'>;
}

/** A screen's session: its token, an {@link ApiClient} that uses it, and the reachability it reports. */
export interface Session {
  readonly api: ApiClient;
  readonly reachability: Reachability;
  current(): SignedIn | undefined;
  signIn(login: string, password: string): Promise<SignedIn>;
  /** Stores a session obtained elsewhere (pairing). */
  adopt(session: SignedIn): void;
  signOut(): void;
}

export function createSession(options: SessionOptions): Session {
  const reachability = createReachability(true);
  let current: SignedIn | undefined;
  try {
    const raw = globalThis.sessionStorage?.getItem(options.storageKey);
    const parsed: unknown = raw ? JSON.parse(raw) : undefined;
    if (isSignedIn(parsed)) current = parsed;
  } catch {
    current = undefined;
  }
  const store = (value: SignedIn | undefined) => {
    current = value;
    try {
      if (value) globalThis.sessionStorage?.setItem(options.storageKey, JSON.stringify(value));
      else globalThis.sessionStorage?.removeItem(options.storageKey);
    } catch {
      // memory only
    }
  };
  const bare = new ApiClient({ ...options.client, onReachability: reachability.set });
  const api = new ApiClient({
    ...options.client,
    getToken: () => current?.token,
    onReachability: reachability.set,
    reauthenticate: async () => {
      if (options.renew) {
        const renewed = await options.renew(bare).catch(() => undefined);
        store(renewed);
        if (renewed) return renewed.token;
      } else store(undefined);
      options.onSignedOut?.();
      return undefined;
    },
  });
  return {
    api,
    reachability,
    current: () => current,
    async signIn(login, password) {
      const result = await bare.post('/api/v1/auth/login', { login, password }, { retry: true });
      if (!isSignedIn(result)) throw new Error('Unexpected sign-in answer.');
      store(result);
      return result;
    },
    adopt: store,
    signOut() {
      store(undefined);
      options.onSignedOut?.();
    },
  };
}
