import type { AnyDoc, DocType } from '@gymedge/crdt-schema';
import type { Database } from 'better-sqlite3';

/**
 * A SQL read model kept up to date inside the same transaction as every document write, so the
 * screens read tables, never documents. Bump `version` when its tables change: the store then
 * rebuilds it from the documents at start-up (and `gymedge rebuild` does it on demand).
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  readonly types: readonly DocType[];
  /** Creates its tables and prepares its statements (called once per open database). */
  setup(db: Database): void;
  /** Writes the current state of one document (called with the document after every change). */
  apply(doc: AnyDoc): void;
  /** Empties its tables before a rebuild. */
  reset(): void;
}
