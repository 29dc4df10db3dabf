import type { AnyDoc } from '@gymedge/crdt-schema';
import { MemberQueries } from '@gymedge/edge/src/projections/member-queries.ts';
import { MemberProjection } from '@gymedge/edge/src/projections/members.ts';
import { ConflictError, type MemberService } from '@gymedge/edge/src/services/contracts.ts';
import { StoreMemberService } from '@gymedge/edge/src/services/member-service.ts';
import { AuditLog } from '@gymedge/edge/src/store/audit.ts';
import { PiiVault } from '@gymedge/edge/src/store/pii-vault.ts';
import type { DocumentStore, Projection } from '@gymedge/store';
import type { Database } from 'better-sqlite3';

/**
 * The unit's member read model (`member_index`, full-text name search, blind indexes) kept at HQ over
 * every unit's members, unsealed with the member keys the units shared (`member_keys`, which the relay
 * fills). It is the unit's own `MemberProjection`, built when HQ's database is set up.
 */
export class ChainMemberProjection implements Projection {
  readonly name = 'members';
  readonly types = ['member'] as const;
  #inner: MemberProjection | undefined;
  #vault: PiiVault | undefined;

  get version(): number {
    return this.#projection().version;
  }

  setup(db: Database): void {
    this.#vault = new PiiVault(db);
    this.#inner = new MemberProjection(this.#vault);
    this.#inner.setup(db);
  }

  apply(doc: AnyDoc): void {
    this.#projection().apply(doc);
  }

  reset(): void {
    this.#projection().reset();
  }

  vault(): PiiVault {
    if (this.#vault === undefined) throw new Error('the member projection is not set up yet');
    return this.#vault;
  }

  #projection(): MemberProjection {
    if (this.#inner === undefined) throw new Error('the member projection is not set up yet');
    return this.#inner;
  }
}

/** Who read which member's personal data at HQ (LGPD): the unit's audit table, at HQ. */
const AUDIT_TABLE = `CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL,
  action TEXT NOT NULL, target TEXT, detail TEXT
)`;

/**
 * Members of the whole chain as HQ's API serves them: the unit's member service over HQ's read model
 * (search across every unit, reads audited). Creates and edits are refused: members are created and
 * edited at their unit. An erasure is HQ's to make too (LGPD requests reach the chain, not a desk): HQ
 * writes the `status: erased` change to the member's document and destroys its own copy of the key in
 * the same transaction; the change goes down to the member's unit, which destroys its key, and HQ's
 * directory builder empties the member's entries at every other unit, which destroy theirs.
 */
export function chainMemberService(
  db: Database,
  store: DocumentStore,
  projection: ChainMemberProjection,
): MemberService {
  db.exec(AUDIT_TABLE);
  const inner = new StoreMemberService({
    store,
    vault: projection.vault(),
    queries: new MemberQueries(db),
    audit: new AuditLog(db),
  });
  const refuse = async () => {
    throw new ConflictError(
      'Members are created and edited at their unit; HQ shows the whole chain read-only.',
    );
  };
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'create' || property === 'update') return refuse;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
