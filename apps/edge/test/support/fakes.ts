import { newDocId } from '@gymedge/crdt-schema';
import type {
  MemberCreateInput,
  MemberPage,
  MemberPatchInput,
  MemberSearchQuery,
  MemberView,
} from '../../src/domain/member.ts';
import { digitsOnly, foldText } from '../../src/domain/text.ts';
import {
  type Account,
  type AccountDirectory,
  type Actor,
  ConflictError,
  type MemberService,
  NotFoundError,
} from '../../src/services/contracts.ts';

type PersonalField = 'name' | 'email' | 'phone' | 'document' | 'birthDate' | 'gender';
const PERSONAL_FIELDS: readonly PersonalField[] = [
  'name',
  'email',
  'phone',
  'document',
  'birthDate',
  'gender',
];

/**
 * An in-memory MemberService that keeps the real contract: members in a Map, conflicts on a repeated
 * CPF or e-mail, erasure that drops personal data but keeps the id, search by substring with paging.
 * Every write is recorded in `writes` so a test can assert that a refused request changed nothing.
 */
export class FakeMemberService implements MemberService {
  readonly records = new Map<string, MemberView>();
  readonly writes: Array<{ op: 'create' | 'update' | 'erase'; id: string; actor: Actor }> = [];

  constructor(
    readonly unitId: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A stable picture of the store, to compare before and after a request. */
  snapshot(): string {
    return JSON.stringify([...this.records.entries()]);
  }

  private conflictCheck(candidate: Pick<MemberView, 'document' | 'email'>, exceptId?: string): void {
    for (const member of this.records.values()) {
      if (member.id === exceptId || member.status === 'erased') continue;
      if (candidate.document !== undefined && member.document === candidate.document) {
        throw new ConflictError('A member with this CPF is already registered at this unit.');
      }
      if (candidate.email !== undefined && member.email === candidate.email) {
        throw new ConflictError('A member with this e-mail is already registered at this unit.');
      }
    }
  }

  async create(input: MemberCreateInput, actor: Actor): Promise<MemberView> {
    this.conflictCheck(input);
    const at = this.now().toISOString();
    const member: MemberView = {
      id: newDocId('member'),
      unitId: this.unitId,
      status: 'active',
      name: input.name,
      ...(input.email === undefined ? {} : { email: input.email }),
      ...(input.phone === undefined ? {} : { phone: input.phone }),
      ...(input.document === undefined ? {} : { document: input.document }),
      ...(input.birthDate === undefined ? {} : { birthDate: input.birthDate }),
      ...(input.gender === undefined ? {} : { gender: input.gender }),
      signupDate: at.slice(0, 10),
      consent: {
        marketing: input.consent?.marketing ?? false,
        imageAnalytics: input.consent?.imageAnalytics ?? false,
      },
      createdAt: at,
      updatedAt: at,
    };
    this.records.set(member.id, member);
    this.writes.push({ op: 'create', id: member.id, actor });
    return structuredClone(member);
  }

  get(id: string): MemberView | undefined {
    const member = this.records.get(id);
    return member === undefined ? undefined : structuredClone(member);
  }

  private existing(id: string): MemberView {
    const member = this.records.get(id);
    if (member === undefined) throw new NotFoundError(`There is no member ${id} at this unit.`);
    return member;
  }

  async update(id: string, patch: MemberPatchInput, actor: Actor): Promise<MemberView> {
    const current = this.existing(id);
    if (current.status === 'erased') throw new ConflictError('This member was erased and cannot be changed.');
    const next: MemberView = { ...current, consent: { ...current.consent, ...patch.consent } };
    for (const field of PERSONAL_FIELDS) {
      const value = patch[field];
      if (value === null) delete next[field];
      else if (value !== undefined) Object.assign(next, { [field]: value });
    }
    if (patch.status !== undefined) next.status = patch.status;
    this.conflictCheck({ document: patch.document ?? undefined, email: patch.email ?? undefined }, id);
    next.updatedAt = this.now().toISOString();
    this.records.set(id, next);
    this.writes.push({ op: 'update', id, actor });
    return structuredClone(next);
  }

  async erase(id: string, actor: Actor): Promise<void> {
    const current = this.existing(id);
    const { id: keptId, unitId, createdAt, signupDate } = current;
    this.records.set(id, {
      id: keptId,
      unitId,
      createdAt,
      ...(signupDate === undefined ? {} : { signupDate }),
      status: 'erased',
      consent: { marketing: false, imageAnalytics: false },
      updatedAt: this.now().toISOString(),
    });
    this.writes.push({ op: 'erase', id, actor });
  }

  search(query: MemberSearchQuery): MemberPage {
    const q = query.q === undefined ? '' : foldText(query.q);
    const digits = digitsOnly(q);
    const matches = [...this.records.values()]
      .filter((member) =>
        query.status === undefined ? member.status !== 'erased' : member.status === query.status,
      )
      .filter((member) => {
        if (q === '') return true;
        if (member.name !== undefined && foldText(member.name).includes(q)) return true;
        if (member.email?.includes(q)) return true;
        if (digits.length >= 3 && digits === q.replace(/[\s().+-]/g, '')) {
          return Boolean(member.document?.includes(digits) || member.phone?.includes(digits));
        }
        return false;
      })
      .sort(
        (a, b) => foldText(a.name ?? '').localeCompare(foldText(b.name ?? '')) || a.id.localeCompare(b.id),
      );
    const offset = query.cursor === undefined ? 0 : Number(Buffer.from(query.cursor, 'base64url').toString());
    const start = Number.isInteger(offset) && offset > 0 ? offset : 0;
    const items = matches.slice(start, start + query.limit).map((member) => structuredClone(member));
    const end = start + items.length;
    return {
      items,
      total: matches.length,
      ...(end < matches.length ? { nextCursor: Buffer.from(String(end)).toString('base64url') } : {}),
    };
  }
}

/** Accounts kept in a Map by id; `update` lets a test deactivate or move an account mid-session. */
export class FakeAccountDirectory implements AccountDirectory {
  readonly accounts = new Map<string, Account>();

  add(account: Account): Account {
    this.accounts.set(account.id, account);
    return account;
  }

  update(id: string, changes: Partial<Omit<Account, 'id'>>): void {
    const current = this.accounts.get(id);
    if (current === undefined) throw new Error(`no account ${id}`);
    this.accounts.set(id, { ...current, ...changes });
  }

  findByLogin(login: string): Account | undefined {
    for (const account of this.accounts.values()) if (account.login === login) return account;
    return undefined;
  }

  findById(id: string): Account | undefined {
    return this.accounts.get(id);
  }
}
