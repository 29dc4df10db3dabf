import { Writable } from 'node:stream';
import type { Role, StaffDoc } from '@gymedge/crdt-schema';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { hashPassword } from '../../src/api/auth.ts';
import { checkUnitHealth } from '../../src/api/health.ts';
import { SqliteRevocations } from '../../src/api/revocations.ts';
import { type ApiDeps, type ApiOptions, buildApi } from '../../src/api/server.ts';
import { TokenService } from '../../src/api/tokens.ts';
import type { MemberCreateInput, MemberPatchInput, MemberSearchQuery } from '../../src/domain/member.ts';
import type { Account, Actor, MemberService } from '../../src/services/contracts.ts';
import type { StoreMemberService } from '../../src/services/member-service.ts';
import { tempUnit } from '../../src/store/test-support.ts';
import type { UnitStore } from '../../src/unit-store.ts';

export const UNIT = 'sp-paulista';
export const OTHER_UNIT = 'rj-copacabana';
export const PASSWORD = 'correct horse battery staple';
export const SECRET = new Uint8Array(32).fill(42);

let passwordHash: Promise<string> | undefined;
/** One argon2id hash of {@link PASSWORD}, shared by every test account (hashing is slow on purpose). */
export function sharedPasswordHash(): Promise<string> {
  passwordHash ??= hashPassword(PASSWORD);
  return passwordHash;
}

/**
 * The real member service, with a record of the writes that went through it, so a test can assert that a
 * refused request changed nothing. Methods are plain properties so a test can stand one in for a failure
 * (a disk error) that cannot be produced for real.
 */
export class RecordingMembers implements MemberService {
  readonly writes: Array<{ op: 'create' | 'update' | 'erase'; id: string; actor: Actor }> = [];
  constructor(
    readonly real: StoreMemberService,
    private readonly unit: UnitStore,
  ) {}

  /** A stable picture of the store (every member row and the change log length), to compare before and after. */
  snapshot(): string {
    const rows = this.unit.db.prepare('SELECT * FROM member_index ORDER BY doc_id').all();
    const changes = this.unit.db.prepare('SELECT count(*) AS n FROM change_log').get();
    return JSON.stringify([rows, changes]);
  }

  create = async (input: MemberCreateInput, actor: Actor) => {
    const member = await this.real.create(input, actor);
    this.writes.push({ op: 'create', id: member.id, actor });
    return member;
  };
  get = (id: string) => this.real.get(id);
  update = async (id: string, patch: MemberPatchInput, actor: Actor) => {
    const member = await this.real.update(id, patch, actor);
    this.writes.push({ op: 'update', id, actor });
    return member;
  };
  erase = async (id: string, actor: Actor) => {
    await this.real.erase(id, actor);
    this.writes.push({ op: 'erase', id, actor });
  };
  search = (query: MemberSearchQuery) => this.real.search(query);
  lookup: MemberService['lookup'] = (key, limit) => this.real.lookup(key, limit);
  auditRead: MemberService['auditRead'] = (actor, read) => this.real.auditRead(actor, read);
}

/** Staff accounts as real staff documents: changing one goes through the store and the projection. */
export interface HarnessAccounts {
  update(id: string, changes: Partial<Pick<StaffDoc, 'active' | 'role' | 'units' | 'login'>>): Promise<void>;
  setPassword(id: string, password: string): Promise<void>;
  create(
    fields: Omit<StaffDoc, 'id' | 'type' | 'schemaVersion' | 'unitId' | 'createdAt' | 'updatedAt'>,
  ): Promise<Account>;
}

export interface Harness {
  readonly app: FastifyInstance;
  /** The unit on its temporary database. */
  readonly unit: UnitStore;
  readonly dir: string;
  readonly members: RecordingMembers;
  readonly accounts: HarnessAccounts;
  readonly tokens: TokenService;
  readonly registry: Registry;
  /** Milliseconds; move it to expire tokens. */
  readonly clock: { now: number };
  /** Account per role (the member account belongs to `ownMemberId`). */
  readonly byRole: Record<Role, Account>;
  readonly ownMemberId: string;
  /** Everything the API logged, one parsed JSON line each. */
  readonly logs: Array<Record<string, unknown>>;
  tokenFor(role: Role): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly ttlSeconds?: number;
  readonly api?: ApiOptions;
  readonly importer?: ApiDeps['importer'];
  /** Free disk space below which /health degrades (default: the real default). */
  readonly minFreeBytes?: number;
}

/**
 * Builds the API on a real unit (a temporary SQLite database, the real member service and account
 * projection): one account per role, plus the member record the `member` account owns.
 */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = { now: Date.parse('2026-11-25T13:00:00Z') };
  const temp = tempUnit(UNIT);
  const unit = temp.open();
  const members = new RecordingMembers(unit.members, unit);
  const own = await unit.members.create(
    { name: 'Marina Souza', email: 'marina@example.com' },
    { id: 'seed', role: 'system' },
  );
  const hash = await sharedPasswordHash();
  const current = (id: string): Account => {
    const account = unit.accounts.findById(id);
    if (account === undefined) throw new Error(`no account ${id}`);
    return account;
  };
  const accounts: HarnessAccounts = {
    create: async (fields) => current((await unit.store.create('staff', fields)).id),
    update: async (id, changes) => {
      await unit.store.update<'staff'>(id as StaffDoc['id'], changes);
    },
    setPassword: async (id, password) => {
      await unit.store.update<'staff'>(id as StaffDoc['id'], { passwordHash: await hashPassword(password) });
    },
  };
  const account = (role: Role, extra: Partial<StaffDoc> = {}) =>
    accounts.create({
      login: `${role}@example.com`,
      name: `Test ${role}`,
      role,
      units: [UNIT],
      passwordHash: hash,
      active: true,
      ...extra,
    });
  const byRole: Record<Role, Account> = {
    owner: await account('owner', { units: ['*'] }),
    manager: await account('manager'),
    staff: await account('staff'),
    trainer: await account('trainer'),
    kiosk: await account('kiosk'),
    member: await account('member', { memberId: own.id as NonNullable<StaffDoc['memberId']> }),
  };
  const tokens = new TokenService({
    secret: SECRET,
    unitId: UNIT,
    now: () => clock.now,
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
  });
  const registry = new Registry();
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line));
      done();
    },
  });
  const started = Date.now();
  const probe = unit.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('health_probe', ?)");
  let app: FastifyInstance;
  try {
    app = await buildApi({
      unitId: UNIT,
      version: '0.1.0-test',
      members,
      accounts: unit.accounts,
      tokens,
      revocations: new SqliteRevocations(unit.db, () => clock.now),
      now: () => clock.now,
      health: () =>
        checkUnitHealth({
          unitId: UNIT,
          version: '0.1.0-test',
          startedAt: started,
          dir: temp.dir,
          stats: () => unit.store.stats(),
          sizeBytes: () => unit.sizeBytes(),
          writeProbe: () => probe.run(new Date().toISOString()),
          sharedLogins: () => unit.accounts.sharedLogins(),
          ...(options.minFreeBytes === undefined ? {} : { minFreeBytes: options.minFreeBytes }),
        }),
      metrics: registry,
      logger: pino({ level: 'info' }, sink),
      ...(options.importer ? { importer: options.importer } : {}),
      ...(options.api ? { options: options.api } : {}),
    });
    await app.ready();
  } catch (error) {
    await unit.close();
    temp.cleanup();
    throw error;
  }
  return {
    app,
    unit,
    dir: temp.dir,
    members,
    accounts,
    tokens,
    registry,
    clock,
    byRole,
    ownMemberId: own.id,
    logs,
    tokenFor: async (role) => (await tokens.issue(current(byRole[role].id))).token,
    close: async () => {
      await app.close();
      await unit.close();
      temp.cleanup();
    },
  };
}
