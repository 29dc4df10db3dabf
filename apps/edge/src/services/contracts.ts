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
}

/** An account that can sign in at this unit (from the synced staff documents). */
export interface Account {
  readonly id: string;
  readonly login: string;
  readonly name: string;
  readonly role: Role;
  readonly units: readonly string[];
  readonly passwordHash: string;
  readonly active: boolean;
  readonly memberId?: string;
}

export interface AccountDirectory {
  findByLogin(login: string): Account | undefined;
  findById(id: string): Account | undefined;
}

/** Errors services throw; the API maps each to a problem+json status. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}
export class InputError extends Error {
  override readonly name = 'InputError';
}
