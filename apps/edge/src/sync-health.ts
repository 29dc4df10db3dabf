import { Gauge, type Registry } from 'prom-client';
import type { HealthReport } from './api/health.ts';
import type { SyncStatus } from './sync/index.ts';

/**
 * The unit's `/health` with its link to HQ: connected or not, changes HQ has not acknowledged yet, the
 * last successful sync and the lag (age of the oldest unacknowledged change), from the sync engine's
 * status. A unit that is not enrolled keeps `not_configured`. Being offline never degrades the unit:
 * it works without HQ, and says so.
 */
export function withSyncHealth(report: HealthReport, status: SyncStatus | undefined): HealthReport {
  if (status === undefined) return report;
  return {
    ...report,
    sync: {
      state: status.connected ? 'connected' : 'disconnected',
      pendingChanges: status.pendingChanges,
      pendingRecords: status.pendingRecords,
      lagSeconds: status.lagSeconds,
      ...(status.lastSyncAt === undefined ? {} : { lastSyncAt: status.lastSyncAt }),
    },
  };
}

/**
 * `gymedge_sync_*` gauges of the unit, read from the sync engine's status at each scrape: connected (0
 * when not enrolled), pending changes and records, lag, seconds since the last successful sync.
 */
export function registerSyncMetrics(registry: Registry, status: () => SyncStatus | undefined): void {
  const gauge = (name: string, help: string, read: (s: SyncStatus) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const current = status();
        const value = current === undefined ? undefined : read(current);
        if (value === undefined) this.reset();
        else this.set(value);
      },
    });
  new Gauge({
    name: 'gymedge_sync_connected',
    help: 'Whether the unit is connected to HQ (1) or not (0; also when it is not enrolled)',
    registers: [registry],
    collect() {
      this.set(status()?.connected ? 1 : 0);
    },
  });
  gauge(
    'gymedge_sync_pending_changes',
    'Changes made here that HQ has not acknowledged yet',
    (s) => s.pendingChanges,
  );
  gauge(
    'gymedge_sync_pending_records',
    'Check-ins, events and occupancy samples not shipped yet',
    (s) => s.pendingRecords,
  );
  gauge(
    'gymedge_sync_lag_seconds',
    'Age of the oldest change HQ has not acknowledged (0 when none)',
    (s) => s.lagSeconds,
  );
  gauge('gymedge_sync_seconds_since_last_sync', 'Seconds since HQ last acknowledged something', (s) =>
    s.lastSyncAt === undefined ? undefined : Math.max(0, (Date.now() - Date.parse(s.lastSyncAt)) / 1000),
  );
}
