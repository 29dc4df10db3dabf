/**
 * The typed API client every screen uses: bearer token, problem+json turned into a readable message,
 * retries while the unit restarts, and one re-authentication when a token expires.
 */

/** One invalid field, as the API reports it in `errors`. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** RFC 9457 problem details as the unit sends them. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: readonly FieldProblem[];
}

/** What a failed call throws. `message` is the sentence a person should read. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** HTTP status; 0 when the unit could not be reached at all. */
    readonly status: number,
    readonly problem?: ProblemDetails,
  ) {
    super(message);
  }
  /** True when the unit did not answer (network down, unit restarting). */
  get unreachable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
  /** The per-field messages, keyed by field path. */
  get fields(): Readonly<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const entry of this.problem?.errors ?? []) out[entry.path] = entry.message;
    return out;
  }
}

function isProblem(value: unknown): value is ProblemDetails {
  if (typeof value !== 'object' || value === null) return false;
  return typeof Reflect.get(value, 'detail') === 'string' && typeof Reflect.get(value, 'status') === 'number';
}

/** Turns a problem into one sentence: the detail, then each field message. */
export function problemMessage(problem: ProblemDetails): string {
  const fields = (problem.errors ?? []).map((entry) => `${entry.path}: ${entry.message}`);
  return fields.length > 0 ? `${problem.detail} (${fields.join('; ')})` : problem.detail;
}

/** Parses and checks a response body; a zod schema's `parse` fits. */
export type Parser<T> = (value: unknown) => T;

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  /** Prefix of every path; default '' (same origin). */
  readonly baseUrl?: string;
  /** The current bearer token, if any. */
  readonly getToken?: () => string | undefined;
  /**
   * Called once when a call is answered 401: get a fresh token (sign in again, re-pair the kiosk) and
   * return it, or undefined to give up. The call is then retried once with the new token.
   */
  readonly reauthenticate?: () => Promise<string | undefined>;
  /** How many times a call is retried while the unit cannot be reached; default 6 (about 10 s). */
  readonly retries?: number;
  /** Delay before retry n (0-based), in ms; default 250·2ⁿ capped at 3 s. */
  readonly backoff?: (attempt: number) => number;
  /** Told whenever the unit is found reachable or not, for the offline indicator. */
  readonly onReachability?: (reachable: boolean) => void;
  /** Language for `accept-language`; default the page's. */
  readonly language?: () => string;
  readonly fetch?: typeof fetch;
}

/** Per-call options. */
export interface CallOptions<T> {
  readonly body?: unknown;
  readonly parse?: Parser<T>;
  /**
   * Retry when the unit cannot be reached. Default: true for GET/PUT/DELETE; false for POST/PATCH,
   * unless the route is idempotent (say so here), because a lost answer may hide a done write.
   */
  readonly retry?: boolean;
  readonly signal?: AbortSignal;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new ApiError('Cancelled.', 0));
    });
  });

/** A small fetch wrapper for the unit's JSON API. */
export class ApiClient {
  readonly #options: ApiClientOptions;
  constructor(options: ApiClientOptions = {}) {
    this.#options = options;
  }

  get<T = unknown>(path: string, options: CallOptions<T> = {}): Promise<T> {
    return this.request('GET', path, options);
  }
  post<T = unknown>(path: string, body?: unknown, options: CallOptions<T> = {}): Promise<T> {
    return this.request('POST', path, { ...options, body });
  }
  put<T = unknown>(path: string, body?: unknown, options: CallOptions<T> = {}): Promise<T> {
    return this.request('PUT', path, { ...options, body });
  }
  patch<T = unknown>(path: string, body?: unknown, options: CallOptions<T> = {}): Promise<T> {
    return this.request('PATCH', path, { ...options, body });
  }
  delete<T = unknown>(path: string, options: CallOptions<T> = {}): Promise<T> {
    return this.request('DELETE', path, options);
  }

  /** GET returning the raw text (CSV exports). */
  async text(path: string, options: CallOptions<string> = {}): Promise<string> {
    const response = await this.#send('GET', path, options, true);
    return response.text();
  }

  async request<T>(method: string, path: string, options: CallOptions<T>): Promise<T> {
    const response = await this.#send(method, path, options, true);
    if (response.status === 204) return undefined as T;
    const type = response.headers.get('content-type') ?? '';
    const value: unknown = type.includes('json') ? await response.json() : await response.text();
    return options.parse ? options.parse(value) : (value as T);
  }

  async #send<T>(
    method: string,
    path: string,
    options: CallOptions<T>,
    mayReauth: boolean,
  ): Promise<Response> {
    const doFetch = this.#options.fetch ?? globalThis.fetch.bind(globalThis);
    const retries = this.#options.retries ?? 6;
    const backoff = this.#options.backoff ?? ((n: number) => Math.min(3000, 250 * 2 ** n));
    const retry = options.retry ?? (method === 'GET' || method === 'PUT' || method === 'DELETE');
    let url = `${this.#options.baseUrl ?? ''}${path}`;
    if (options.query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(options.query))
        if (value !== undefined) params.set(key, String(value));
      const query = params.toString();
      if (query) url += `${url.includes('?') ? '&' : '?'}${query}`;
    }
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json' };
      const token = this.#options.getToken?.();
      if (token) headers.authorization = `Bearer ${token}`;
      const language = this.#options.language?.() ?? globalThis.navigator?.language;
      if (language) headers['accept-language'] = language;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await doFetch(url, {
          method,
          headers,
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        if (options.signal?.aborted) throw new ApiError('Cancelled.', 0);
        this.#options.onReachability?.(false);
        if (retry && attempt < retries) {
          await sleep(backoff(attempt), options.signal);
          continue;
        }
        throw new ApiError(
          `The unit could not be reached (${error instanceof Error ? error.message : 'network error'}).`,
          0,
        );
      }
      const unreachable = response.status === 502 || response.status === 503 || response.status === 504;
      this.#options.onReachability?.(!unreachable);
      if (unreachable && retry && attempt < retries) {
        await sleep(backoff(attempt), options.signal);
        continue;
      }
      if (response.status === 401 && mayReauth && this.#options.reauthenticate) {
        const fresh = await this.#options.reauthenticate();
        if (fresh !== undefined) return this.#send(method, path, options, false);
      }
      if (response.ok) return response;
      throw await toError(response);
    }
  }
}

async function toError(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (isProblem(body)) return new ApiError(problemMessage(body), response.status, body);
  return new ApiError(`The unit answered ${response.status} ${response.statusText}.`, response.status);
}
