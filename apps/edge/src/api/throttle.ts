/**
 * Counting attempts in fixed windows, per key, in memory, with a bounded number of keys (the oldest
 * window is dropped first). Cheap enough to run before any expensive work.
 */
export class WindowCounter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 20_000,
  ) {}

  /** Counts one attempt for `key`; returns 0 when allowed, else the milliseconds until the window ends. */
  take(key: string): number {
    const now = this.now();
    let window = this.#windows.get(key);
    if (window === undefined || now - window.start >= this.windowMs) {
      this.#windows.delete(key);
      if (this.#windows.size >= this.maxKeys) {
        const oldest = this.#windows.keys().next();
        if (!oldest.done) this.#windows.delete(oldest.value);
      }
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    if (window.count >= this.max) return Math.max(1, window.start + this.windowMs - now);
    window.count += 1;
    return 0;
  }
}

/**
 * A token bucket: `perSecond` tokens a second, at most `burst` saved up. Bounds the CPU one kind of work
 * may take across all callers together.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes one token; returns 0 when there was one, else the milliseconds until the next one. */
  take(): number {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.perSecond) * 1000);
  }
}

/** The sign-in budgets: per address and login, per address, and for the whole unit. */
export interface LoginBudget {
  /** Attempts per client address and login; default 10 a minute (one person's typos never lock out another). */
  readonly perLogin: { readonly max: number; readonly timeWindowMs: number };
  /** Attempts per client address, whatever the login; default 30 a minute (spraying across logins). */
  readonly perAddress: { readonly max: number; readonly timeWindowMs: number };
  /**
   * Password checks per second for the whole unit; default 20 a second, burst 20. One argon2 check costs
   * about 14 ms of CPU, so this caps sign-ins at under a third of one core however many addresses try.
   */
  readonly global: { readonly perSecond: number; readonly burst: number };
}

export const DEFAULT_LOGIN_BUDGET: LoginBudget = {
  perLogin: { max: 10, timeWindowMs: 60_000 },
  perAddress: { max: 30, timeWindowMs: 60_000 },
  global: { perSecond: 20, burst: 20 },
};

export type LoginRefusal = { readonly scope: 'login' | 'address' | 'unit'; readonly retryAfterMs: number };

/** Decides, before any password is checked, whether a sign-in attempt may spend an argon2 check. */
export class LoginThrottle {
  readonly #perLogin: WindowCounter;
  readonly #perAddress: WindowCounter;
  readonly #global: TokenBucket;

  constructor(budget: LoginBudget, now: () => number = Date.now) {
    this.#perLogin = new WindowCounter(budget.perLogin.max, budget.perLogin.timeWindowMs, now);
    this.#perAddress = new WindowCounter(budget.perAddress.max, budget.perAddress.timeWindowMs, now);
    this.#global = new TokenBucket(budget.global.perSecond, budget.global.burst, now);
  }

  /** Undefined when the attempt may go on; else which budget is spent and for how long. */
  admit(address: string, login: string): LoginRefusal | undefined {
    const byLogin = this.#perLogin.take(`${address}|${login}`);
    if (byLogin > 0) return { scope: 'login', retryAfterMs: byLogin };
    const byAddress = this.#perAddress.take(address);
    if (byAddress > 0) return { scope: 'address', retryAfterMs: byAddress };
    const global = this.#global.take();
    if (global > 0) return { scope: 'unit', retryAfterMs: global };
    return undefined;
  }
}
