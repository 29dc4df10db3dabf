import { type SyncSnapshot as Snapshot, SyncSnapshot } from '../../../src/api/snapshot.ts';

/** What {@link followSnapshots} reports. */
export interface LiveHandlers {
  readonly onSnapshot: (snapshot: Snapshot) => void;
  /** True while the stream is open, false while it reconnects. */
  readonly onLive: (live: boolean) => void;
  /** The stream answered 401: the session is over. */
  readonly onUnauthorized: () => void;
}

/**
 * Follows `GET /api/v1/sync/events` (server-sent events) with fetch, so the bearer token goes along
 * (EventSource cannot send one), and reconnects with a growing pause when HQ restarts. Returns the stop.
 */
export function followSnapshots(token: () => string | undefined, handlers: LiveHandlers): () => void {
  const controller = new AbortController();
  let pause = 500;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const bearer = token();
        const response = await fetch('/api/v1/sync/events', {
          headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
          signal: controller.signal,
        });
        if (response.status === 401) {
          handlers.onUnauthorized();
          return;
        }
        if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
        handlers.onLive(true);
        pause = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
              .join('\n');
            if (data !== '') {
              const parsed = SyncSnapshot.safeParse(JSON.parse(data));
              if (parsed.success) handlers.onSnapshot(parsed.data);
            }
            end = buffer.indexOf('\n\n');
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      handlers.onLive(false);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 5000);
    }
  };
  void run();
  return () => controller.abort();
}
