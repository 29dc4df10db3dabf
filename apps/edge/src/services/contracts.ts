import type { Role } from '@gymedge/crdt-schema';
import type {
  MemberCreateInput,
  MemberPage,
  MemberPatchInput,
  MemberSearchQuery,
  MemberView,
} from '../domain/member.ts';

/** Who is acting: carried from the bearer token into every service call and the audit log. */
export interface Actor {
  /** Staff document id, or `system` for jobs and imports. */
  readonly id: string;
  readonly role: Role | 'system';
  /** For role `member`: the member the account belongs to. */
  readonly memberId?: string;
}

/** Members of this unit: every write is acknowledged only once durable. */
export interface MemberService {
  create(input: MemberCreateInput, actor: Actor): Promise<MemberView>;
  get(id: string): MemberView | undefined;
  update(id: string, patch: MemberPatchInput, actor: Actor): Promise<MemberView>;
  /** LGPD erasure: personal data becomes unreadable everywhere; the member id stays for the books. */
  erase(id: string, actor: Actor): Promise<void>;
  search(query: MemberSearchQuery): MemberPage;
  /**
   * Exact look-up for a check-in device: the whole CPF, the chain's customer id (member card) or the
   * full name; never a prefix. At most `limit` matches, no count.
   */
  lookup(
    key: { readonly kind: 'document' | 'externalRef' | 'name'; readonly value: string },
    limit: number,
  ): MemberView[];
  /**
   * Records that `actor` was shown these personal fields of these members (one audit row per request):
   * who, when, which members, which fields. Erased members hold none.
   */
  auditRead(
    actor: Actor,
    read: { readonly how: string; readonly members: readonly string[]; readonly fields: readonly string[] },
  ): void;
}

/** An account that can sign in at this unit (from the synced staff documents). */
export interface Account {
  readonly id: string;
  readonly login: string;
  readonly name: string;
  readonly role: Role;
  readonly units: readonly string[];
  /**
   * An opaque value that changes whenever the account's credential changes (a password change): tokens
   * carry it, so every token issued before the change stops working at once.
   */
  readonly credentialStamp: string;
  readonly active: boolean;
  readonly memberId?: string;
}

/**
 * Where accounts and their credentials live. The API never sees a password hash: it asks the directory to
 * check a password, so the hashes can move (off replicated documents, to HQ) without touching the API.
 */
export interface AccountDirectory {
  /**
   * The account that signs in with this login at `unitId` (when given: among accounts that may act there).
   * Undefined when none, or when several accounts claim the same login there (ambiguous: nobody signs in
   * with it until an administrator fixes it).
   */
  findByLogin(login: string, unitId?: string): Account | undefined;
  findById(id: string): Account | undefined;
  /**
   * True when `password` is the account's password. For `undefined` (unknown login) the same work is done
   * against a dummy hash and the answer is false, so timing does not tell which logins exist.
   */
  checkPassword(account: Account | undefined, password: string): Promise<boolean>;
}

/** Errors services throw; the API maps each to a problem+json status. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  /** The existing member the request collides with (a repeated CPF, e-mail or customer id), when known. */
  readonly conflictsWith?: { readonly id: string; readonly name?: string; readonly field: string };
  constructor(message: string, conflictsWith?: { id: string; name?: string; field: string }) {
    super(message);
    if (conflictsWith !== undefined) this.conflictsWith = conflictsWith;
  }
}
export class InputError extends Error {
  override readonly name = 'InputError';
}
