import { useEffect, useSyncExternalStore } from 'react';

/** Whether the unit answers, shared by the API client (which reports) and the offline indicator. */
export interface Reachability {
  readonly reachable: () => boolean;
  readonly set: (reachable: boolean) => void;
  readonly subscribe: (listener: () => void) => () => void;
}

export function createReachability(initial = true): Reachability {
  let current = initial;
  const listeners = new Set<() => void>();
  return {
    reachable: () => current,
    set: (reachable) => {
      if (reachable === current) return;
      current = reachable;
      for (const listener of listeners) listener();
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Subscribes to a {@link Reachability} and, while the unit is unreachable, probes `probeUrl` (default
 * `/health`) every `intervalMs` so the indicator clears by itself once the unit is back.
 */
export function useReachable(reachability: Reachability, probeUrl = '/health', intervalMs = 2000): boolean {
  const reachable = useSyncExternalStore(reachability.subscribe, reachability.reachable);
  useEffect(() => {
    if (reachable) return;
    const timer = setInterval(() => {
      fetch(probeUrl, { cache: 'no-store' })
        .then((response) => reachability.set(response.ok))
        .catch(() => reachability.set(false));
    }, intervalMs);
    return () => clearInterval(timer);
  }, [reachable, reachability, probeUrl, intervalMs]);
  return reachable;
}
