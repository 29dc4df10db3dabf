import {
  type DocumentId,
  isDocId,
  type MemberDoc,
  newDocId,
  PII_FIELDS,
  type PiiField,
} from '@gymedge/crdt-schema';
import type { DocumentStore, Patch } from '@gymedge/store';
import type {
  MemberCreateInput,
  MemberPage,
  MemberPatchInput,
  MemberSearchQuery,
  MemberView,
} from '../domain/member.ts';
import type { MemberQueries } from '../projections/member-queries.ts';
import type { BlindField, MemberRow } from '../projections/members.ts';
import type { AuditLog } from '../store/audit.ts';
import type { PiiVault } from '../store/pii-vault.ts';
import { type Actor, ConflictError, type MemberService, NotFoundError } from './contracts.ts';

/** Personal fields as clear text, before sealing. */
export type MemberPii = Partial<Record<PiiField, string>>;

export interface MemberServiceDeps {
  readonly store: DocumentStore;
  readonly vault: PiiVault;
  readonly queries: MemberQueries;
  readonly audit: AuditLog;
  readonly clock?: () => Date;
}

/** Members of this unit: API → this service → member document (sealed PII) → projection. */
export class StoreMemberService implements MemberService {
  readonly #store: DocumentStore;
  readonly #vault: PiiVault;
  readonly #queries: MemberQueries;
  readonly #audit: AuditLog;
  readonly #clock: () => Date;
  /** Unique values claimed by writes not yet committed (`field\0value` → member id), so two concurrent creates with one CPF cannot both pass. */
  readonly #claims = new Map<string, string>();

  constructor(deps: MemberServiceDeps) {
    this.#store = deps.store;
    this.#vault = deps.vault;
    this.#queries = deps.queries;
    this.#audit = deps.audit;
    this.#clock = deps.clock ?? (() => new Date());
  }

  /**
   * Refuses a CPF or e-mail another member of this unit already has (erased members hold none): a
   * {@link ConflictError} naming that member, so the staff can decide whether it is the same person.
   * Returns the claims to hold until the write is durable.
   */
  #claimUnique(id: string, values: Partial<Record<BlindField, string | null | undefined>>): string[] {
    const claims: string[] = [];
    for (const field of ['document', 'email'] as const) {
      const value = values[field];
      if (value === undefined || value === null) continue;
      const label = field === 'document' ? 'CPF' : 'e-mail';
      const key = `${field}\0${field === 'email' ? value.toLowerCase() : value}`;
      const pending = this.#claims.get(key);
      const other =
        this.#queries.byExact(field, value, 2).find((row) => row.doc_id !== id) ??
        (pending !== undefined && pending !== id ? this.#queries.byId(pending) : undefined);
      if (other !== undefined || (pending !== undefined && pending !== id)) {
        const otherId = other?.doc_id ?? pending ?? '';
        const name = other?.name ?? undefined;
        throw new ConflictError(
          `A member with this ${label} is already registered at this unit: ${name ?? 'a member'} (${otherId}). ` +
            'If it is the same person, open that record instead.',
          { id: otherId, field, ...(name === undefined ? {} : { name }) },
        );
      }
      claims.push(key);
    }
    for (const key of claims) this.#claims.set(key, id);
    return claims;
  }

  #release(claims: readonly string[]): void {
    for (const key of claims) this.#claims.delete(key);
  }

  async create(input: MemberCreateInput, actor: Actor): Promise<MemberView> {
    const id = newDocId('member');
    const claims = this.#claimUnique(id, input);
    try {
      await this.#createMember(id, input, actor);
    } finally {
      this.#release(claims);
    }
    return this.#viewOrThrow(id);
  }

  async #createMember(id: DocumentId<'member'>, input: MemberCreateInput, actor: Actor): Promise<void> {
    await this.createDocument(
      id,
      {
        status: 'active',
        consent: {
          marketing: input.consent?.marketing ?? false,
          imageAnalytics: input.consent?.imageAnalytics ?? false,
        },
      },
      piiOf(input),
      actor,
    );
  }

  /**
   * Creates a member document with a fresh key and its sealed personal fields; resolves once durable.
   * Used by the API, the importer and the demo seeder.
   */
  createDocument(
    id: DocumentId<'member'>,
    fields: Omit<MemberDoc, 'id' | 'type' | 'schemaVersion' | 'unitId' | 'createdAt' | 'updatedAt' | 'pii'>,
    pii: MemberPii,
    actor: Actor,
    options: { createdAt?: string } = {},
  ): Promise<MemberDoc> {
    const key = this.#vault.prepareKey(id);
    const sealed: MemberDoc['pii'] = {};
    for (const field of PII_FIELDS) {
      const value = pii[field];
      if (value !== undefined) sealed[field] = this.#vault.seal(id, field, value);
    }
    return this.#store.create(
      'member',
      { ...fields, pii: sealed },
      {
        id,
        ...options,
        also: () => {
          key.persist();
          this.#audit.append({
            actorId: actor.id,
            actorRole: actor.role,
            action: 'member.create',
            target: id,
          });
        },
        onRollback: key.forget,
      },
    );
  }

  get(id: string): MemberView | undefined {
    const row = this.#queries.byId(id);
    return row === undefined || row.status === 'erased' ? undefined : toView(row);
  }

  async update(id: string, patch: MemberPatchInput, actor: Actor): Promise<MemberView> {
    const doc = this.#existing(id);
    const pii: MemberPii | Record<PiiField, null> = {};
    for (const field of ['name', 'email', 'phone', 'document', 'birthDate', 'gender'] as const) {
      if (field in patch) (pii as Record<string, string | null | undefined>)[field] = patch[field] ?? null;
    }
    const changes: Patch<MemberDoc> = { pii: this.#sealPatch(doc, pii as Record<string, string | null>) };
    if (patch.status !== undefined) changes.status = patch.status;
    if (patch.consent !== undefined) changes.consent = { ...doc.consent, ...patch.consent };
    const fields = Object.keys(patch);
    const claims = this.#claimUnique(doc.id, { document: patch.document, email: patch.email });
    try {
      await this.#store.update(doc.id, changes, {
        also: () =>
          this.#audit.append({
            actorId: actor.id,
            actorRole: actor.role,
            action: 'member.update',
            target: id,
            detail: { fields },
          }),
      });
    } finally {
      this.#release(claims);
    }
    return this.#viewOrThrow(id);
  }

  /**
   * Brings an existing member's fields and personal data to the given values (import re-runs):
   * only fields whose clear value differs are written, so the same input changes nothing.
   */
  async reconcile(
    id: DocumentId<'member'>,
    fields: Patch<MemberDoc>,
    pii: MemberPii,
    actor: Actor,
  ): Promise<boolean> {
    const doc = this.#existing(id);
    const result = await this.#store.update(
      id,
      { ...fields, pii: this.#sealPatch(doc, pii) },
      {
        also: () =>
          this.#audit.append({
            actorId: actor.id,
            actorRole: actor.role,
            action: 'member.reconcile',
            target: id,
          }),
      },
    );
    return result.changed;
  }

  async erase(id: string, actor: Actor): Promise<void> {
    const doc = this.#existing(id);
    const at = this.#clock().toISOString();
    const cleared = Object.fromEntries(PII_FIELDS.map((field) => [field, undefined])) as Patch<
      MemberDoc['pii']
    >;
    await this.#store.update(
      doc.id,
      { status: 'erased', erasedAt: at, pii: cleared },
      {
        also: () => {
          this.#vault.destroy(doc.id, actor.id, at);
          this.#audit.append(
            { actorId: actor.id, actorRole: actor.role, action: 'member.erase', target: id },
            at,
          );
        },
      },
    );
  }

  search(query: MemberSearchQuery): MemberPage {
    const page = this.#queries.search(query);
    return {
      items: page.rows.map(toView),
      total: page.total,
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    };
  }

  lookup(
    key: { readonly kind: 'document' | 'externalRef' | 'name'; readonly value: string },
    limit: number,
  ): MemberView[] {
    const rows =
      key.kind === 'name'
        ? this.#queries.byFullName(key.value, limit)
        : this.#queries.byExact(key.kind, key.value, limit);
    return rows.map(toView);
  }

  auditRead(
    actor: Actor,
    read: { readonly how: string; readonly members: readonly string[]; readonly fields: readonly string[] },
  ): void {
    if (read.members.length === 0 || read.fields.length === 0) return;
    this.#audit.append(
      {
        actorId: actor.id,
        actorRole: actor.role,
        action: 'member.read',
        ...(read.members.length === 1 ? { target: read.members[0] } : {}),
        detail: { how: read.how, members: [...read.members], fields: [...read.fields] },
      },
      this.#clock().toISOString(),
    );
  }

  #existing(id: string): MemberDoc {
    if (!isDocId(id, 'member')) throw new NotFoundError(`There is no member ${id}.`);
    const doc = this.#store.get<'member'>(id);
    if (doc === undefined) throw new NotFoundError(`There is no member ${id}.`);
    if (doc.status === 'erased')
      throw new ConflictError(`Member ${id} was erased on ${doc.erasedAt ?? 'an earlier date'}.`);
    return doc;
  }

  /** Seals only the fields whose clear value changes (sealing is randomised, so equal values must not be re-sealed). */
  #sealPatch(doc: MemberDoc, pii: Record<string, string | null | undefined>): Patch<MemberDoc['pii']> {
    const out: Record<string, Uint8Array | undefined> = {};
    for (const field of PII_FIELDS) {
      if (!(field in pii)) continue;
      const next = pii[field];
      const current = this.#vault.unseal(doc.id, field, doc.pii[field]);
      if (next === null) {
        if (doc.pii[field] !== undefined) out[field] = undefined;
      } else if (next !== undefined && next !== current) {
        out[field] = this.#vault.seal(doc.id, field, next);
      }
    }
    return out as Patch<MemberDoc['pii']>;
  }

  #viewOrThrow(id: string): MemberView {
    const view = this.get(id);
    if (view === undefined) throw new NotFoundError(`There is no member ${id}.`);
    return view;
  }
}

function piiOf(input: MemberCreateInput): MemberPii {
  const pii: MemberPii = { name: input.name };
  if (input.email !== undefined) pii.email = input.email;
  if (input.phone !== undefined) pii.phone = input.phone;
  if (input.document !== undefined) pii.document = input.document;
  if (input.birthDate !== undefined) pii.birthDate = input.birthDate;
  if (input.gender !== undefined) pii.gender = input.gender;
  return pii;
}

function toView(row: MemberRow): MemberView {
  const view: MemberView = {
    id: row.doc_id,
    unitId: row.unit_id,
    status: row.status,
    consent: { marketing: row.consent_marketing === 1, imageAnalytics: row.consent_image === 1 },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.name !== null) view.name = row.name;
  if (row.email !== null) view.email = row.email;
  if (row.phone !== null) view.phone = row.phone;
  if (row.document !== null) view.document = row.document;
  if (row.birth_date !== null) view.birthDate = row.birth_date;
  if (row.gender !== null) view.gender = row.gender;
  if (row.age !== null) view.age = row.age;
  if (row.external_ref !== null) view.externalRef = row.external_ref;
  if (row.signup_date !== null) view.signupDate = row.signup_date;
  if (row.region !== null) view.region = row.region;
  return view;
}
