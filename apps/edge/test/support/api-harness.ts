import { Writable } from 'node:stream';
import type { Role } from '@gymedge/crdt-schema';
import { newDocId } from '@gymedge/crdt-schema';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { hashPassword } from '../../src/api/auth.ts';
import type { HealthReport } from '../../src/api/health.ts';
import { type ApiDeps, type ApiOptions, buildApi } from '../../src/api/server.ts';
import { TokenService } from '../../src/api/tokens.ts';
import type { Account } from '../../src/services/contracts.ts';
import { FakeAccountDirectory, FakeMemberService } from './fakes.ts';

export const UNIT = 'sp-paulista';
export const OTHER_UNIT = 'rj-copacabana';
export const PASSWORD = 'correct horse battery staple';
export const SECRET = new Uint8Array(32).fill(42);

let passwordHash: Promise<string> | undefined;
/** One argon2id hash of {@link PASSWORD}, shared by every fake account (hashing is slow on purpose). */
export function sharedPasswordHash(): Promise<string> {
  passwordHash ??= hashPassword(PASSWORD);
  return passwordHash;
}

export function healthyReport(): HealthReport {
  return {
    status: 'ok',
    unitId: UNIT,
    version: '0.1.0-test',
    uptimeSeconds: 12,
    storage: {
      ok: true,
      path: '/var/lib/gymedge/sp-paulista',
      documents: 3,
      quarantined: 0,
      pendingWrites: 0,
      sizeBytes: 4096,
    },
    sync: { state: 'not_configured', pendingChanges: 0 },
  };
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly members: FakeMemberService;
  readonly accounts: FakeAccountDirectory;
  readonly tokens: TokenService;
  readonly registry: Registry;
  /** Milliseconds; move it to expire tokens. */
  readonly clock: { now: number };
  /** What `health()` reports from now on (to test a degraded unit). */
  setHealth(report: HealthReport): void;
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
}

/** Builds the API on fakes: one account per role, plus the member record the `member` account owns. */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = { now: Date.parse('2026-11-25T13:00:00Z') };
  const members = new FakeMemberService(UNIT, () => new Date(clock.now));
  const own = await members.create(
    { name: 'Marina Souza', email: 'marina@example.com' },
    { id: 'seed', role: 'system' },
  );
  members.writes.length = 0;
  const accounts = new FakeAccountDirectory();
  const hash = await sharedPasswordHash();
  const account = (role: Role, extra: Partial<Account> = {}): Account =>
    accounts.add({
      id: newDocId('staff'),
      login: `${role}@example.com`,
      name: `Test ${role}`,
      role,
      units: [UNIT],
      passwordHash: hash,
      active: true,
      ...extra,
    });
  const byRole: Record<Role, Account> = {
    owner: account('owner', { units: ['*'] }),
    manager: account('manager'),
    staff: account('staff'),
    trainer: account('trainer'),
    kiosk: account('kiosk'),
    member: account('member', { memberId: own.id }),
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
  let health = healthyReport();
  const app = await buildApi({
    unitId: UNIT,
    version: '0.1.0-test',
    members,
    accounts,
    tokens,
    health: () => health,
    metrics: registry,
    logger: pino({ level: 'info' }, sink),
    ...(options.importer ? { importer: options.importer } : {}),
    ...(options.api ? { options: options.api } : {}),
  });
  await app.ready();
  return {
    app,
    members,
    accounts,
    tokens,
    registry,
    clock,
    setHealth: (report) => {
      health = report;
    },
    byRole,
    ownMemberId: own.id,
    logs,
    tokenFor: async (role) => (await tokens.issue(byRole[role])).token,
    close: () => app.close(),
  };
}
