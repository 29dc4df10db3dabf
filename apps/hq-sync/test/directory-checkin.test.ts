// The member directory: a member of sp-paulista whose plan covers the chain checks in at rj-copacabana while
// rj-copacabana is cut off from HQ; a member whose plan is for sp-paulista only is told so there; an erasure at
// the home unit leaves neither HQ's nor the other unit's files able to give the member away. Real HQ (embedded
// broker, relay, directory builder), real units (API, SQLite, sync).
import { join } from 'node:path';
import { cpfFromBase, formatCpf } from '@gymedge/edge/src/domain/cpf.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSealKey } from '../../edge/test/support/sealed-key.ts';
import { type Chain, type ChainUnit, Client, rawFiles, startChain, until } from './directory-support.ts';

const SP = 'sp-paulista';
const RJ = 'rj-copacabana';
let chain: Chain;
let sp: ChainUnit;
let rj: ChainUnit;

interface CheckIn {
  allowed: boolean;
  reason?: string;
  member?: { id: string; firstName: string };
  planName?: string;
}

async function member(name: string, email: string, cpf: string, planId: string): Promise<string> {
  const created = await sp.api.call<{ id: string }>('POST', '/api/v1/members', {
    name,
    email,
    document: cpf,
  });
  const sold = await sp.api.call<{ payments: Array<{ id: string }> }>(
    'POST',
    `/api/v1/members/${created.id}/memberships`,
    { planId },
  );
  for (const payment of sold.payments)
    await sp.api.call('POST', `/api/v1/payments/${payment.id}/pay`, { method: 'cash' });
  return created.id;
}

const directoryRows = (unit: ChainUnit, memberId: string) =>
  unit.edge.unit.db
    .prepare<[string], { n: number }>('SELECT count(*) AS n FROM directory_index WHERE member_id = ?')
    .get(memberId)?.n ?? 0;
const hasKey = (unit: ChainUnit, memberId: string) =>
  unit.edge.unit.db.prepare('SELECT 1 FROM member_keys WHERE member_id = ?').get(memberId) !== undefined;

beforeAll(async () => {
  chain = await startChain([SP, RJ]);
  sp = chain.units[SP] as ChainUnit;
  rj = chain.units[RJ] as ChainUnit;
}, 60_000);

afterAll(async () => {
  await chain?.close();
});

describe('the member directory across the chain', () => {
  const ana = {
    name: 'Anabela Viajante',
    email: 'anabela.viajante@example.com',
    cpf: cpfFromBase('614253781'),
  };
  const bruno = {
    name: 'Brunildo Caseiro',
    email: 'brunildo.caseiro@example.com',
    cpf: cpfFromBase('725364892'),
  };
  let anaId: string;
  let brunoId: string;

  it('lets a member whose plan covers the chain check in at another unit cut off from HQ; a home plan is wrong_unit', async () => {
    const everywhere = await sp.api.call<{ id: string }>('POST', '/api/v1/plans', {
      name: 'Rede Livre',
      priceCents: 19990,
      billingPeriod: 'monthly',
      access: 'all',
    });
    const home = await sp.api.call<{ id: string }>('POST', '/api/v1/plans', {
      name: 'Só Paulista',
      priceCents: 9990,
      billingPeriod: 'monthly',
      access: 'home',
    });
    anaId = await member(ana.name, ana.email, ana.cpf, everywhere.id);
    brunoId = await member(bruno.name, bruno.email, bruno.cpf, home.id);
    await until(
      'both members in the directory of rj-copacabana, with the key of the one whose plan covers it',
      () => directoryRows(rj, anaId) === 1 && directoryRows(rj, brunoId) === 1 && hasKey(rj, anaId),
    );
    // The key of a member whose plan does not cover the unit never goes there, nor to the home unit's twin.
    expect(hasKey(rj, brunoId)).toBe(false);
    expect(directoryRows(sp, anaId)).toBe(0);

    await chain.stopHq();
    const entered = await rj.api.call<CheckIn>('POST', '/api/v1/checkins', { document: formatCpf(ana.cpf) });
    expect(entered).toMatchObject({
      allowed: true,
      member: { id: anaId, firstName: 'Anabela' },
      planName: 'Rede Livre',
    });
    const refused = await rj.api.call<CheckIn>('POST', '/api/v1/checkins', { document: bruno.cpf });
    expect(refused.allowed).toBe(false);
    expect(refused.reason).toBe('wrong_unit');
    // No personal field of a member whose plan does not cover the unit: the greeting has no name.
    expect(refused.member?.firstName ?? '').toBe('');
    const stranger = await rj.api.call<CheckIn>('POST', '/api/v1/checkins', {
      document: cpfFromBase('836475903'),
    });
    expect(stranger.reason).toBe('member_unknown');
    // The visit is recorded at rj-copacabana with the member's home unit, to ship when HQ is back.
    const visit = rj.edge.unit.db
      .prepare<[string], { home_unit_id: string | null; denied: string | null }>(
        'SELECT home_unit_id, denied FROM checkins WHERE member_id = ? ORDER BY at DESC LIMIT 1',
      )
      .get(anaId);
    expect(visit).toEqual({ home_unit_id: SP, denied: null });
    await chain.startHq();
  }, 60_000);

  it('when the plan that covered the chain ends, the other unit drops the key and says so at the door', async () => {
    const plan = await sp.api.call<{ id: string }>('POST', '/api/v1/plans', {
      name: 'Rede Trimestral',
      priceCents: 29990,
      billingPeriod: 'quarterly',
      access: 'all',
    });
    const carla = { name: 'Carlota Passageira', cpf: cpfFromBase('947586014') };
    const carlaId = await member(carla.name, 'carlota.passageira@example.com', carla.cpf, plan.id);
    await until(
      'Carlota in the directory of rj-copacabana, with her key',
      () => hasKey(rj, carlaId) && directoryRows(rj, carlaId) === 1,
    );
    const id = (
      rj.edge.unit.db.prepare('SELECT doc_id FROM directory_index WHERE member_id = ?').get(carlaId) as {
        doc_id: string;
      }
    ).doc_id;
    expect(rj.edge.unit.store.get<'directory'>(id)?.pii.name).toBeInstanceOf(Uint8Array);
    const membership = sp.edge.unit.db
      .prepare<[string], { doc_id: string }>('SELECT doc_id FROM membership_index WHERE member_id = ?')
      .get(carlaId);
    await sp.edge.unit.store.update<'membership'>(membership?.doc_id ?? '', { status: 'expired' });
    sp.edge.sync?.poke();
    await until('rj-copacabana to drop the key', () => !hasKey(rj, carlaId));
    expect(rj.edge.unit.store.get<'directory'>(id)?.pii.name).toBeUndefined();
    // Still known there (hashes), so the desk says why, with no name; not an erasure.
    expect(directoryRows(rj, carlaId)).toBe(1);
    expect(
      rj.edge.unit.db.prepare('SELECT 1 FROM erasures WHERE member_id = ?').get(carlaId),
    ).toBeUndefined();
    const after = await rj.api.call<CheckIn>('POST', '/api/v1/checkins', { document: carla.cpf });
    expect(after).toMatchObject({ allowed: false, reason: 'no_active_plan' });
    expect(after.member?.firstName ?? '').toBe('');
  }, 60_000);

  it('a unit that forges its copy of an entry gets no key, and HQ puts the entry right', async () => {
    const hq = chain.hq;
    if (hq === undefined) throw new Error('HQ is running');
    const id = (
      rj.edge.unit.db.prepare('SELECT doc_id FROM directory_index WHERE member_id = ?').get(brunoId) as {
        doc_id: string;
      }
    ).doc_id;
    // rj-copacabana may write documents of its own unitId: it claims Bruno's entry is a full one.
    await rj.edge.unit.store.update<'directory'>(id, { pii: { name: new Uint8Array(40).fill(7) } });
    rj.edge.sync?.poke();
    await until('the forged change at HQ', () => hq.store.store.get<'directory'>(id)?.pii.name !== undefined);
    // A change of Bruno at home makes HQ rebuild his entries: the forged field goes, and no key goes with it.
    await sp.api.call('PATCH', `/api/v1/members/${brunoId}`, { phone: '+5511987654321' });
    await until(
      'HQ to put the entry right at rj-copacabana',
      () => rj.edge.unit.store.get<'directory'>(id)?.pii.name === undefined,
    );
    expect(hasKey(rj, brunoId)).toBe(false);
  }, 60_000);

  it('an erasure at the home unit destroys what went to HQ and to the other unit', async () => {
    const entry = rj.edge.unit.store.get<'directory'>(
      (
        rj.edge.unit.db.prepare('SELECT doc_id FROM directory_index WHERE member_id = ?').get(anaId) as {
          doc_id: string;
        }
      ).doc_id,
    );
    const sealedName = entry?.pii.name;
    expect(sealedName).toBeInstanceOf(Uint8Array);
    const aad = `${anaId}|name`;
    const key = rj.edge.unit.db.prepare('SELECT key FROM member_keys WHERE member_id = ?').get(anaId) as {
      key: Buffer;
    };
    // The check below can fail: before the erasure, the key in rj-copacabana's database opens the sealed name.
    expect(findSealKey(key.key, sealedName as Uint8Array, aad)).toBe(0);

    const hq = chain.hq;
    if (hq === undefined) throw new Error('HQ is running');
    // And HQ's files hold the name in the clear (its chain-wide member search) before the erasure.
    expect(rawFiles(hq.dir).includes(Buffer.from(ana.name))).toBe(true);
    await sp.api.call('DELETE', `/api/v1/members/${anaId}`);
    await until(
      'the erasure at HQ and at rj-copacabana',
      () =>
        hq.store.keys.get(anaId) === undefined &&
        !hasKey(rj, anaId) &&
        directoryRows(rj, anaId) === 0 &&
        rj.edge.unit.store.get<'directory'>(entry?.id ?? '')?.status === 'erased',
    );
    const gone = await rj.api.call<CheckIn>('POST', '/api/v1/checkins', { document: ana.cpf });
    expect(gone.reason).toBe('member_unknown');
    // rj-copacabana recorded the erasure (so the key is never accepted again).
    expect(rj.edge.unit.db.prepare('SELECT 1 FROM erasures WHERE member_id = ?').get(anaId)).toBeDefined();

    // HQ truncates its WAL after an erasure reached it; the unit did before acknowledging the change.
    await until('HQ to checkpoint after the erasure', () => {
      const raw = rawFiles(hq.dir);
      return !raw.includes(Buffer.from(ana.name));
    });
    const needles = [ana.name, 'Anabela', ana.email, ana.cpf, formatCpf(ana.cpf)].map((s) => Buffer.from(s));
    for (const [where, raw] of [
      ['HQ', rawFiles(hq.dir)],
      ['rj-copacabana', rawFiles(rj.dir)],
    ] as const) {
      for (const needle of needles)
        expect({ where, found: raw.includes(needle) }).toEqual({ where, found: false });
    }
    // The key that opened the sealed name is in no byte of the other unit's files any more (only that exact
    // key opens AES-256-GCM bytes, so this is the byte-window test of erasure-running-unit, in one pass).
    // The unit truncates its WAL after applying the erasure; the row is visible a moment before that ends.
    await until(
      'the key out of every file of rj-copacabana',
      () => !rawFiles(rj.dir).includes(key.key),
      10_000,
    );
    // Bruno, not erased, is still in the directory.
    expect(directoryRows(rj, brunoId)).toBe(1);
    expect(join(hq.dir, 'hq.db')).toBe(hq.store.path);
  }, 60_000);

  it('an erasure at HQ reaches the home unit and the other unit', async () => {
    const hq = chain.hq;
    if (hq === undefined) throw new Error('HQ is running');
    // The home unit holds Bruno's name in the clear (its search) until the erasure.
    expect(rawFiles(sp.dir).includes(Buffer.from(bruno.name))).toBe(true);
    const admin = new Client(() => hq.url);
    await admin.call('DELETE', `/api/v1/members/${brunoId}`);
    expect(hq.store.keys.get(brunoId)).toBeUndefined();
    await until(
      'the erasure at sp-paulista and rj-copacabana',
      () =>
        !hasKey(sp, brunoId) &&
        sp.edge.unit.store.get<'member'>(brunoId)?.status === 'erased' &&
        directoryRows(rj, brunoId) === 0,
    );
    // The home unit wrote it to its erasure register (a restore of an older backup re-applies it).
    expect(sp.edge.unit.erasures.entries().some((e) => e.memberId === brunoId)).toBe(true);
    const home = await sp.api.call<CheckIn>('POST', '/api/v1/checkins', { document: bruno.cpf });
    expect(home.reason).toBe('member_unknown');
    const needles = [bruno.name, 'Brunildo', bruno.email, bruno.cpf, formatCpf(bruno.cpf)].map((s) =>
      Buffer.from(s),
    );
    await until(
      'HQ to checkpoint after the erasure',
      () => !rawFiles(hq.dir).includes(Buffer.from(bruno.name)),
    );
    // The home unit truncates its WAL after applying HQ's erasure (a moment after the change is visible).
    await until(
      'sp-paulista to truncate its WAL',
      () => !rawFiles(sp.dir).includes(Buffer.from(bruno.name)),
      10_000,
    );
    for (const [where, raw] of [
      ['HQ', rawFiles(hq.dir)],
      ['sp-paulista', rawFiles(sp.dir)],
      ['rj-copacabana', rawFiles(rj.dir)],
    ] as const) {
      for (const needle of needles)
        expect({ where, found: raw.includes(needle) }).toEqual({ where, found: false });
    }
  }, 60_000);
});
