// Member QR cards across the chain: HQ's enrolment hands every unit the same member-card keys, so a card
// printed at one unit verifies offline at another; an altered or foreign card does not; a rotation keeps
// printed cards valid. Real unit stores (SQLite files), real HQ identity registry, real credential files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  enrolUnit,
  hqDirOf,
  IdentityRegistry,
  localDbPathOf,
  memberCardKeys,
  rotateMemberCardKey,
  writeCredentialsFile,
} from '@gymedge/hq-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMemberQr } from '../src/domain/checkin.ts';
import { cpfFromBase } from '../src/domain/cpf.ts';
import { MemberCreateInput } from '../src/domain/member.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { createOperations, type Operations } from '../src/services/operations.ts';
import { unitCardKeyring } from '../src/services/operations-context.ts';
import { SYSTEM, tempUnit } from '../src/store/test-support.ts';
import type { UnitStore } from '../src/unit-store.ts';

interface TestUnit {
  readonly id: string;
  readonly dir: string;
  readonly unit: UnitStore;
  readonly ops: Operations;
  readonly cleanup: () => void;
}

const hqData = mkdtempSync(join(tmpdir(), 'gymedge-hq-cards-'));
let registry: IdentityRegistry;
const units: TestUnit[] = [];

function openUnit(id: string): TestUnit {
  const t = tempUnit(id);
  const unit = t.open();
  const ops = createOperations({ unit, unitId: id, logger: silentLogger() });
  const opened = { id, dir: t.dir, unit, ops, cleanup: t.cleanup };
  units.push(opened);
  return opened;
}

/** What `gymedge hq enrol --unit ID` does: issue the identity and write `<unit>/sync.json`. */
async function enrol(unit: TestUnit): Promise<void> {
  const credentials = await enrolUnit(registry, unit.id, {
    brokerUrl: 'mqtt://127.0.0.1:1',
    memberCardKeys: memberCardKeys(hqDirOf(hqData)),
  });
  writeCredentialsFile(join(unit.dir, 'sync.json'), credentials);
}

async function member(unit: TestUnit, n: number): Promise<string> {
  const view = await unit.unit.members.create(
    MemberCreateInput.parse({ name: 'Maria Souza', document: cpfFromBase(String(200000000 + n)) }),
    SYSTEM,
  );
  return view.id;
}

let a: TestUnit;
let b: TestUnit;
let loner: TestUnit;

beforeAll(async () => {
  registry = IdentityRegistry.open(localDbPathOf(hqData));
  a = openUnit('sp-paulista');
  b = openUnit('rj-copacabana');
  loner = openUnit('bh-savassi'); // never enrolled: keeps its own key
  await enrol(a);
  await enrol(b);
});

afterAll(async () => {
  registry.close();
  for (const unit of units) {
    await unit.unit.close();
    unit.cleanup();
  }
  rmSync(hqData, { recursive: true, force: true });
});

describe('member cards across the chain', () => {
  it('a card printed at unit A verifies at unit B; altered or foreign cards do not', async () => {
    const m = await member(a, 1);
    const card = a.ops.checkins.qrFor(m);
    expect(card).toMatch(/^GE2\.k1\.sp-paulista\./);

    // B reads A's card with nothing but its own files (offline): the chain key from its sync.json.
    expect(readMemberQr(unitCardKeyring(b.dir), card)).toEqual({
      ok: true,
      unitId: 'sp-paulista',
      memberId: m,
      keyId: 'k1',
    });
    // Through B's check-in: the card is genuine, so B does not call it invalid (whether A's member may
    // enter at B is the member directory's answer, not the card's).
    const atB = await b.ops.checkins.checkIn({ code: card, actor: SYSTEM });
    expect(atB.reason).not.toBe('invalid_code');

    const other = await member(a, 2);
    const body = (id: string) => id.replace('member:', '');
    const altered = [
      card.replace(body(m), body(other)), // someone else's id under Maria's signature
      card.replace('.sp-paulista.', '.rj-copacabana.'), // another home unit
      `${card.slice(0, -4)}${card.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`, // a changed signature
      card.replace('GE2.k1.', 'GE2.k9.'), // a key B does not hold
    ];
    for (const code of altered)
      expect(await b.ops.checkins.checkIn({ code, actor: SYSTEM })).toMatchObject({
        allowed: false,
        reason: 'invalid_code',
      });

    // A unit without HQ signs with its own key: its cards are good at home and nowhere else.
    const local = await member(loner, 3);
    const lonerCard = loner.ops.checkins.qrFor(local);
    expect(lonerCard).toMatch(/^GE2\.local\.bh-savassi\./);
    expect(readMemberQr(unitCardKeyring(loner.dir), lonerCard)).toMatchObject({ ok: true, memberId: local });
    expect(await b.ops.checkins.checkIn({ code: lonerCard, actor: SYSTEM })).toMatchObject({
      reason: 'invalid_code',
    });
  });

  it('after a key rotation a re-enrolled unit signs with the new key and still reads printed cards', async () => {
    const m = await member(a, 4);
    const printed = a.ops.checkins.qrFor(m);
    expect(rotateMemberCardKey(hqDirOf(hqData)).map((k) => k.id)).toEqual(['k2', 'k1']);
    await enrol(b); // B gets k2 (first) and k1; A is not enrolled again yet
    const fresh = b.ops.checkins.qrFor(await member(b, 5));
    expect(fresh).toMatch(/^GE2\.k2\.rj-copacabana\./);
    expect(readMemberQr(unitCardKeyring(b.dir), printed)).toMatchObject({ ok: true, keyId: 'k1' });
    // A does not hold k2 until it is enrolled again.
    expect(readMemberQr(unitCardKeyring(a.dir), fresh)).toEqual({ ok: false, reason: 'unknown_key' });
    await enrol(a);
    expect(readMemberQr(a.ops.context.qrKey, fresh)).toMatchObject({ ok: true, unitId: 'rj-copacabana' });
  });
});
