import { Gauge, type Registry } from 'prom-client';
import type { UnitStore } from './unit-store.ts';

/** Store gauges, read from the store on each scrape (no timers). */
export function registerStoreMetrics(registry: Registry, unit: UnitStore): void {
  const stats = () => unit.store.stats();
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('gymedge_store_documents', 'Documents in the unit store', () => stats().documents);
  gauge(
    'gymedge_store_live_documents',
    'Documents loaded in memory (bounded cache)',
    () => stats().liveDocuments,
  );
  gauge('gymedge_store_pending_writes', 'Writes waiting for their group commit', () => stats().pendingWrites);
  gauge(
    'gymedge_store_quarantined',
    'Changes or documents kept aside because they broke a schema',
    () => stats().quarantined,
  );
  gauge(
    'gymedge_store_change_log',
    'Changes in the change log (what sync will ship)',
    () => stats().changeLogSize,
  );
  gauge('gymedge_store_committed_writes', 'Writes committed since start', () => stats().committedWrites);
  gauge(
    'gymedge_store_commits',
    'SQLite transactions committed since start (group commits)',
    () => stats().commits,
  );
  gauge('gymedge_store_size_bytes', 'Size of the unit database file', () => unit.sizeBytes());
  // gymedge_sync_* are registered beside the sync engine (sync-health.ts).
}
