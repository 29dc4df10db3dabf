import { memberAt } from './members.ts';
import { type LatencySummary, median, summarize } from './stats.ts';

/**
 * Member search kinds and their query lists, drawn from the dataset's members so every query is one a
 * receptionist could type. The same runner times the API (fetch) and the store in-process.
 */

export type SearchKind = 'name' | 'twoWords' | 'cpf' | 'phone' | 'email' | 'list';

export const SEARCH_KINDS: readonly { readonly kind: SearchKind; readonly label: string }[] = [
  { kind: 'name', label: 'name prefix `ana`' },
  { kind: 'twoWords', label: 'two words `maria silva`' },
  { kind: 'cpf', label: 'CPF prefix, 6 digits' },
  { kind: 'phone', label: 'phone suffix, last 4 digits' },
  { kind: 'email', label: 'e-mail prefix (`local@ex`)' },
  { kind: 'list', label: 'full list, next page by cursor' },
];

/** Results per page, the API's default. */
export const PAGE = 50;

export interface SearchParams {
  readonly q?: string;
  readonly cursor?: string;
}

export interface SearchAnswer {
  readonly total: number;
  readonly nextCursor?: string | undefined;
}

export type SearchFn = (params: SearchParams) => Promise<SearchAnswer> | SearchAnswer;

export interface KindResult {
  readonly latency: LatencySummary;
  /** Median `total` the queries matched. */
  readonly matches: number;
  readonly example: string;
}

/** `n` queries of a kind over members 0..count-1 (pseudo-random, fixed). `list` has none. */
export function queriesOf(kind: SearchKind, count: number, n: number): string[] {
  if (kind === 'name') return Array.from({ length: n }, () => 'ana');
  if (kind === 'twoWords') return Array.from({ length: n }, () => 'maria silva');
  if (kind === 'list') return [];
  return Array.from({ length: n }, (_, k) => {
    const m = memberAt((k * 7_777 + 13) % count);
    if (kind === 'cpf') return m.cpf.slice(0, 6);
    if (kind === 'phone') return m.phoneDigits.slice(-4);
    return `${m.email.slice(0, m.email.indexOf('@'))}@ex`;
  });
}

/** Times `n` searches of one kind, one at a time. */
export async function measureKind(
  kind: SearchKind,
  search: SearchFn,
  count: number,
  n: number,
): Promise<KindResult> {
  const queries = queriesOf(kind, count, n);
  const times: number[] = [];
  const totals: number[] = [];
  let cursor: string | undefined;
  for (let k = 0; k < n; k++) {
    const params: SearchParams =
      kind === 'list' ? (cursor === undefined ? {} : { cursor }) : { q: queries[k] as string };
    const started = performance.now();
    const answer = await search(params);
    times.push(performance.now() - started);
    totals.push(answer.total);
    if (kind === 'list') cursor = answer.nextCursor;
  }
  return {
    latency: summarize(times),
    matches: median(totals),
    example: kind === 'list' ? `limit=${PAGE}&cursor=…` : (queries[0] ?? ''),
  };
}

export async function measureAllKinds(
  search: SearchFn,
  count: number,
  n: number,
): Promise<Record<SearchKind, KindResult>> {
  const out: Partial<Record<SearchKind, KindResult>> = {};
  for (const { kind } of SEARCH_KINDS) out[kind] = await measureKind(kind, search, count, n);
  return out as Record<SearchKind, KindResult>;
}

/** `n` searches cycling through every kind (warm-up, and the load before the second RSS reading). */
export async function mixedSearches(search: SearchFn, count: number, n: number): Promise<void> {
  const per = Math.ceil(n / SEARCH_KINDS.length);
  for (const { kind } of SEARCH_KINDS) await measureKind(kind, search, count, per);
}

/** Search through the unit's API: `GET /api/v1/members` with a bearer token. */
export function httpSearch(url: string, token: string): SearchFn {
  const headers = { authorization: `Bearer ${token}` };
  return async ({ q, cursor }) => {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (q !== undefined) query.set('q', q);
    if (cursor !== undefined) query.set('cursor', cursor);
    const response = await fetch(`${url}/api/v1/members?${query}`, { headers });
    if (response.status !== 200) {
      throw new Error(`search ${query}: ${response.status} ${await response.text()}`);
    }
    return (await response.json()) as SearchAnswer;
  };
}
