// Chain-wide accounts sign in at the units they act in, offline, and their password hash is at those units
// only: the staff document every unit replicates carries none (HQ's per-unit `credential` documents do), and a
// v1 account's hash is moved off its staff document. Real HQ and two real units.
import { REGISTRY, StaffDoc } from '@gymedge/crdt-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialIdOf } from '../src/accounts.ts';
import {
  type Chain,
  type ChainUnit,
  Client,
  PASSWORD,
  rawFiles,
  startChain,
  until,
} from './directory-support.ts';

const SP = 'sp-paulista';
const RJ = 'rj-copacabana';
let chain: Chain;
let sp: ChainUnit;
let rj: ChainUnit;

const hq = () => {
  if (chain.hq === undefined) throw new Error('HQ is not running');
  return chain.hq;
};
const signIn = (unit: ChainUnit, login: string, password: string) =>
  new Client(() => unit.edge.url, login, password).signIn();
const hasAccount = (unit: ChainUnit, staffId: string) =>
  unit.edge.unit.db.prepare('SELECT 1 FROM account_index WHERE doc_id = ?').get(staffId) !== undefined;
const hasCredential = (unit: ChainUnit, staffId: string) =>
  unit.edge.unit.db.prepare('SELECT 1 FROM credential_index WHERE staff_id = ?').get(staffId) !== undefined;

beforeAll(async () => {
  chain = await startChain([SP, RJ]);
  sp = chain.units[SP] as ChainUnit;
  rj = chain.units[RJ] as ChainUnit;
}, 60_000);

afterAll(async () => {
  await chain?.close();
});

describe('chain-wide accounts and their passwords', () => {
  it('a hash reaches only the units an account acts in; sign-in works there, offline too', async () => {
    const regina = await hq().chainStaff.create({
      name: 'Regina Regional',
      login: 'regina.regional',
      role: 'manager',
      units: [SP],
      password: 'regina regional pass',
    });
    // Through HQ's API (staff:manage), as HQ's owner.
    const hqAdmin = new Client(() => hq().url, 'admin', PASSWORD);
    const otavio = await hqAdmin.call<{ id: string; units: string[] }>('POST', '/api/v1/staff', {
      name: 'Otávio Rede',
      login: 'otavio.rede',
      role: 'manager',
      units: ['*'],
      password: 'otavio rede pass',
    });
    expect(otavio.units).toEqual(['*']);
    await expect(
      hqAdmin.call('POST', '/api/v1/staff', {
        name: 'Outro Admin',
        login: 'admin',
        role: 'manager',
        units: [RJ],
        password: 'another pass 123',
      }),
    ).rejects.toThrow(/409/);
    expect(regina.passwordHash).toBeUndefined();
    // A login already active at one of its units would sign nobody in there: refused at HQ.
    const taken = { name: 'Outra', role: 'manager', password: 'another pass 123' } as const;
    await expect(hq().chainStaff.create({ ...taken, login: 'Regina.Regional', units: [SP] })).rejects.toThrow(
      /already taken/,
    );
    await expect(hq().chainStaff.create({ ...taken, login: 'admin', units: ['*'] })).rejects.toThrow(
      /already taken/,
    );
    await until(
      'the accounts at both units, with credentials where they act',
      () =>
        hasAccount(sp, regina.id) &&
        hasAccount(rj, regina.id) &&
        hasCredential(sp, regina.id) &&
        hasCredential(sp, otavio.id) &&
        hasCredential(rj, otavio.id),
    );
    expect(hasCredential(rj, regina.id)).toBe(false);
    expect(await signIn(sp, 'regina.regional', 'regina regional pass')).toBe(200);
    expect(await signIn(sp, 'regina.regional', 'a wrong password')).toBe(401);
    // At a unit she does not act in, no hash to check against: the same answer as a wrong password.
    expect(await signIn(rj, 'regina.regional', 'regina regional pass')).toBe(401);
    expect(await signIn(rj, 'otavio.rede', 'otavio rede pass')).toBe(200);

    // The hash is in sp-paulista's files and in none of rj-copacabana's; nor is sp-paulista's own owner's.
    const reginaHash = hq().store.store.get<'credential'>(credentialIdOf(regina.id, SP))?.passwordHash ?? '';
    expect(reginaHash).toMatch(/^\$argon2id\$/);
    const spOwnerHash = (
      sp.edge.unit.db.prepare("SELECT password_hash FROM account_index WHERE login = 'admin'").get() as {
        password_hash: string;
      }
    ).password_hash;
    sp.edge.unit.db.pragma('wal_checkpoint(TRUNCATE)');
    rj.edge.unit.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(rawFiles(sp.dir).includes(Buffer.from(reginaHash))).toBe(true);
    const rjFiles = rawFiles(rj.dir);
    expect(rjFiles.includes(Buffer.from(reginaHash))).toBe(false);
    expect(rjFiles.includes(Buffer.from(spOwnerHash))).toBe(false);
    // No chain-wide staff document anywhere carries a hash.
    for (const unit of [sp, rj]) {
      for (const id of unit.edge.unit.store.idsOfType('staff')) {
        const staff = unit.edge.unit.store.get<'staff'>(id);
        if (staff?.unitId === 'chain') expect(staff.passwordHash).toBeUndefined();
      }
    }

    // A new password reaches the unit; the old one stops working there.
    await hq().chainStaff.setPassword(regina.id, 'regina new pass');
    await until(
      'the new password at sp-paulista',
      async () => (await signIn(sp, 'regina.regional', 'regina new pass')) === 200,
    );
    expect(await signIn(sp, 'regina.regional', 'regina regional pass')).toBe(401);

    // HQ's own owner signs in at HQ with the units' password.
    expect(await new Client(() => hq().url, 'admin', PASSWORD).signIn()).toBe(200);

    await chain.stopHq();
    expect(await signIn(sp, 'regina.regional', 'regina new pass')).toBe(200);
    expect(await signIn(rj, 'otavio.rede', 'otavio rede pass')).toBe(200);
    expect(await signIn(rj, 'admin', PASSWORD)).toBe(200);
    await chain.startHq();
  }, 60_000);

  it('moves a v1 chain-wide account’s hash off its staff document, and sign-in keeps working', async () => {
    // The v1 → v2 step only bumps the version: a v1 document (hash on it) is valid v2.
    const v1 = {
      id: 'staff:01JD8Q6W0C5V3T2YH4N8K9M7PA',
      type: 'staff',
      schemaVersion: 1,
      unitId: 'chain',
      createdAt: '2026-01-05T12:00:00.000Z',
      updatedAt: '2026-01-05T12:00:00.000Z',
      name: 'Lia Legada',
      login: 'lia.legada',
      role: 'manager',
      units: ['*'],
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
      active: true,
    };
    REGISTRY.staff.migrations[0]?.(v1);
    expect(v1.schemaVersion).toBe(2);
    expect(StaffDoc.safeParse(v1).success).toBe(true);

    // An account as v1 kept it (made before this build): its hash on the staff document every unit holds.
    const { hashPassword } = await import('@gymedge/edge/api');
    const legacy = await hq().store.store.create(
      'staff',
      {
        name: 'Lia Legada',
        login: 'lia.legada',
        role: 'manager',
        units: ['*'],
        passwordHash: await hashPassword('lia legada pass'),
        active: true,
      },
      { unitId: 'chain' },
    );
    hq().relay?.poke();
    await until('the v1 account at rj-copacabana', () => hasAccount(rj, legacy.id));
    // The old way works while HQ has not moved the hash yet.
    expect(await signIn(rj, 'lia.legada', 'lia legada pass')).toBe(200);

    // HQ's reconciliation (at start and every 30 s) moves it; run now rather than wait.
    await hq().chainStaff.reconcile();
    expect(hq().store.store.get<'staff'>(legacy.id)?.passwordHash).toBeUndefined();
    await until(
      'the hash off the staff document at both units, and credentials there instead',
      () =>
        rj.edge.unit.store.get<'staff'>(legacy.id)?.passwordHash === undefined &&
        sp.edge.unit.store.get<'staff'>(legacy.id)?.passwordHash === undefined &&
        hasCredential(rj, legacy.id) &&
        hasCredential(sp, legacy.id),
    );
    expect(await signIn(rj, 'lia.legada', 'lia legada pass')).toBe(200);
    expect(await signIn(sp, 'lia.legada', 'lia legada pass')).toBe(200);
    // Nothing left to move.
    expect(await hq().chainStaff.reconcile()).toBe(0);
  }, 60_000);
});
