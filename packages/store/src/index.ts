/**
 * @gymedge/store: the document store that a unit and HQ both open. It knows documents, chunks, the change
 * log, the quarantine and projections as an interface; the app wires its own projections and services.
 */
export * from './database.ts';
export * from './document-store.ts';
export * from './inbox.ts';
export * from './lock.ts';
export * from './memory-storage.ts';
export * from './plain.ts';
export * from './projection.ts';
export * from './sqlite-storage.ts';
export * from './storage-adapter.ts';
export * from './store-schema.ts';
export * from './wal-checkpointer.ts';
