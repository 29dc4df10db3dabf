/**
 * The HQ relay arrives with the sync work: an MQTT broker (embedded Aedes by default), the store of
 * every unit (the same SQLite storage adapter and document store as a unit), and the HQ sync
 * dashboard on :8090. What it will plug into on the unit side is described in
 * docs/ARCHITECTURE.md ("The seams for sync"): the change log, `DocumentStore.applyRemote`, and the
 * append-only check-in records with `shipped_at`.
 */
export const HQ_DEFAULT_PORT = 8090;
export const MQTT_DEFAULT_PORT = 1883;
