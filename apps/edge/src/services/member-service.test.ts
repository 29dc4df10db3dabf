import { afterEach, describe, expect, it } from 'vitest';
import { MemberCreateInput, MemberPatchInput } from '../domain/member.ts';
import { SYSTEM, tempUnit } from '../store/test-support.ts';
import type { UnitStore } from '../unit-store.ts';
import { ConflictError, InputError, NotFoundError } from './contracts.ts';

describe('Members, end to end through documents and the read model', () => {
  let unit: UnitStore;
  let cleanup: () => void;
  afterEach(async () => {
    await unit.close();
    cleanup();
  });
  function open() {
    const t = tempUnit();
    cleanup = t.cleanup;
    unit = t.open();
    return unit;
  }
  const input = (raw: unknown) => MemberCreateInput.parse(raw);

  it('creates a member whose personal data is sealed in the document and clear in the read model', async () => {
    const u = open();
    const view = await u.members.create(
      input({
        name: 'João  da Silva',
        email: 'JOAO@Example.com',
        phone: '(11) 98765-4321',
        document: '529.982.247-25',
      }),
      SYSTEM,
    );
    expect(view).toMatchObject({
      name: 'João da Silva',
      email: 'joao@example.com',
      phone: '+5511987654321',
      document: '52998224725',
      status: 'active',
    });
    const doc = u.store.get<'member'>(view.id);
    expect(doc?.pii.name).toBeInstanceOf(Uint8Array);
    const raw = Buffer.concat(
      (u.db.prepare('SELECT data FROM chunks').all() as Array<{ data: Buffer }>).map((r) => r.data),
    ).toString('latin1');
    expect(raw).not.toContain('Silva');
    expect(raw).not.toContain('52998224725');
    expect(u.members.get(view.id)).toEqual(view);
  });

  it('finds members by any word of the name without accents, by CPF, by the end of the phone and by e-mail', async () => {
    const u = open();
    const ana = await u.members.create(
      input({ name: 'Ana Conceição Gonçalves', phone: '21 99876-1234' }),
      SYSTEM,
    );
    const joao = await u.members.create(
      input({ name: 'João Pedro', document: '52998224725', email: 'jp@gym.com.br' }),
      SYSTEM,
    );
    await u.members.create(input({ name: 'Pedro Álvares' }), SYSTEM);
    const names = (q: string) => u.members.search({ q, limit: 50 }).items.map((m) => m.name);
    expect(names('conceicao')).toEqual(['Ana Conceição Gonçalves']);
    expect(names('GONÇ')).toEqual(['Ana Conceição Gonçalves']);
    expect(names('pedro')).toEqual(['João Pedro', 'Pedro Álvares']);
    expect(names('pe jo')).toEqual(['João Pedro']);
    expect(u.members.search({ q: '529.982', limit: 50 }).items.map((m) => m.id)).toEqual([joao.id]);
    expect(u.members.search({ q: '1234', limit: 50 }).items.map((m) => m.id)).toEqual([ana.id]);
    expect(u.members.search({ q: '21998761234', limit: 50 }).items.map((m) => m.id)).toEqual([ana.id]);
    expect(u.members.search({ q: 'jp@gym', limit: 50 }).items.map((m) => m.id)).toEqual([joao.id]);
    expect(names('zzz')).toEqual([]);
    expect(() => u.members.search({ q: '12', limit: 50 })).toThrow(InputError);
    expect(() => u.members.search({ q: "'); DROP TABLE member_index;--", limit: 50 })).not.toThrow();
    expect(u.members.search({ limit: 50 }).total).toBe(3);
  });

  it('pages through every member exactly once with the cursor', async () => {
    const u = open();
    const first = ['Ana', 'Bruno', 'Carla', 'Diego', 'Eduarda', 'Felipe', 'Gabriela'];
    await Promise.all(
      Array.from({ length: 70 }, (_, i) =>
        u.members.create(
          input({ name: `${first[i % 7]} Souza ${String.fromCharCode(65 + (i % 26))}` }),
          SYSTEM,
        ),
      ),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = u.members.search({ limit: 16, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(70);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(70);
    const names = seen.map((id) => u.members.get(id)?.name ?? '');
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'pt-BR', { sensitivity: 'base' })));
    expect(() => u.members.search({ limit: 5, cursor: 'garbage!!' })).toThrow(/cursor is not valid/);
  });

  it('updates fields, clears one with null, and records who did it', async () => {
    const u = open();
    const m = await u.members.create(
      input({ name: 'Maria Lima', email: 'maria@x.com', phone: '11912345678' }),
      SYSTEM,
    );
    const staff = { id: 'staff:01JD8Q6W0C5V3T2YH4N8K9M7PA', role: 'staff' as const };
    const updated = await u.members.update(
      m.id,
      MemberPatchInput.parse({ email: null, phone: '(11) 93333-4444', consent: { marketing: true } }),
      staff,
    );
    expect(updated.email).toBeUndefined();
    expect(updated.phone).toBe('+5511933334444');
    expect(updated.consent).toEqual({ marketing: true, imageAnalytics: false });
    const before = u.store.stats().changeLogSize;
    await u.members.update(m.id, MemberPatchInput.parse({ phone: '11933334444' }), staff);
    expect(u.store.stats().changeLogSize).toBe(before);
    expect(u.audit.recent(1)[0]).toMatchObject({ actor_id: staff.id, action: 'member.update', target: m.id });
    await expect(
      u.members.update('member:01JD8Q6W0C5V3T2YH4N8K9M7PA', { name: 'X Y' }, staff),
    ).rejects.toThrow(NotFoundError);
  });

  it('erases a member: the key is destroyed, so no copy of the personal data can be read any more', async () => {
    const u = open();
    const m = await u.members.create(input({ name: 'Carlos Eduardo', document: '52998224725' }), SYSTEM);
    const sealedBefore = u.store.get<'member'>(m.id)?.pii.name;
    await u.members.erase(m.id, { id: 'staff:01JD8Q6W0C5V3T2YH4N8K9M7PA', role: 'manager' });
    expect(u.members.get(m.id)).toBeUndefined();
    expect(u.members.search({ q: 'carlos', limit: 10 }).items).toEqual([]);
    expect(u.db.prepare('SELECT count(*) AS n FROM member_keys').get()).toEqual({ n: 0 });
    expect(u.vault.unseal(m.id, 'name', sealedBefore)).toBeUndefined();
    expect(
      u.db.prepare('SELECT name, document, status FROM member_index WHERE doc_id = ?').get(m.id),
    ).toEqual({
      name: null,
      document: null,
      status: 'erased',
    });
    expect(u.store.get<'member'>(m.id)?.status).toBe('erased');
    await expect(u.members.erase(m.id, SYSTEM)).rejects.toThrow(ConflictError);
  });
});
