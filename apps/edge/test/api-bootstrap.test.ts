import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StaffDoc } from '@gymedge/crdt-schema';
import { afterAll, describe, expect, test } from 'vitest';
import { hashPassword } from '../src/api/auth.ts';
import { type RunningEdge, startEdge } from '../src/edge-app.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { createHarness, PASSWORD } from './support/api-harness.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gymedge-bootstrap-'));
  dirs.push(dir);
  return dir;
}

const start = (dir: string, unitId: string, adminPassword?: string) =>
  startEdge({
    unitId,
    port: 0,
    dataDir: dir,
    logger: silentLogger(),
    ...(adminPassword === undefined ? {} : { adminPassword }),
  });

async function signIn(edge: RunningEdge, login: string, password: string) {
  return edge.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login, password } });
}

describe('the first owner account', () => {
  test('deactivating it does not stop later starts: a new owner is made beside it', async () => {
    const dir = dataDir();
    const first = await start(dir, 'sp-paulista', 'first pass phrase');
    expect(first.createdAdmin?.login).toBe('admin');
    const owner = first.unit.accounts.findByLogin('admin', 'sp-paulista');
    expect(owner?.active).toBe(true);
    await first.unit.store.update<'staff'>(owner?.id as StaffDoc['id'], { active: false });
    await first.stop();

    const second = await start(dir, 'sp-paulista', 'second pass phrase');
    try {
      expect(second.createdAdmin).toEqual({ login: 'admin', password: 'second pass phrase' });
      expect((await signIn(second, 'admin', 'second pass phrase')).statusCode).toBe(200);
      const replacement = second.unit.accounts.findByLogin('admin', 'sp-paulista');
      expect(replacement?.id).not.toBe(owner?.id);
    } finally {
      await second.stop();
    }
    // And the start after that creates nothing more.
    const third = await start(dir, 'sp-paulista', 'second pass phrase');
    expect(third.createdAdmin).toBeUndefined();
    await third.stop();
  });

  test('each unit has its own owner id, so a merge never overwrites another unit’s admin password', async () => {
    const dir = dataDir();
    const sp = await start(dir, 'sp-paulista', 'paulista pass');
    const rj = await start(dir, 'rj-copacabana', 'copacabana pass');
    try {
      const spOwner = sp.unit.accounts.findByLogin('admin', 'sp-paulista');
      const rjOwner = rj.unit.accounts.findByLogin('admin', 'rj-copacabana');
      expect(spOwner?.id).toMatch(/^staff:/);
      expect(spOwner?.id).not.toBe(rjOwner?.id);
      expect(spOwner?.units).toEqual(['sp-paulista']);
      // Bring rj's owner document to sp (as a sync would): sp's admin still signs in with sp's password.
      const rjDoc = rj.unit.store.get<'staff'>(rjOwner?.id as StaffDoc['id']);
      if (rjDoc === undefined) throw new Error('rj owner missing');
      const {
        id,
        type: _type,
        schemaVersion: _v,
        unitId: _u,
        createdAt: _c,
        updatedAt: _up,
        ...fields
      } = rjDoc;
      await sp.unit.store.create('staff', fields, { id });
      expect((await signIn(sp, 'admin', 'paulista pass')).statusCode).toBe(200);
      expect((await signIn(sp, 'admin', 'copacabana pass')).statusCode).toBe(401);
    } finally {
      await sp.stop();
      await rj.stop();
    }
  });

  test('a different GYMEDGE_ADMIN_PASSWORD at a later start is reported as not applied', async () => {
    const dir = dataDir();
    const first = await start(dir, 'sp-paulista', 'the original one');
    await first.stop();
    const again = await start(dir, 'sp-paulista', 'a changed one');
    try {
      expect(again.createdAdmin).toBeUndefined();
      expect(again.adminPasswordIgnored).toEqual({ login: 'admin' });
      expect((await signIn(again, 'admin', 'the original one')).statusCode).toBe(200);
    } finally {
      await again.stop();
    }
    const same = await start(dir, 'sp-paulista', 'the original one');
    expect(same.adminPasswordIgnored).toBeUndefined();
    await same.stop();
  });
});

describe('logins are unique per unit', () => {
  test('two active accounts claiming one login at a unit sign nobody in there, and /health says so', async () => {
    const h = await createHarness();
    try {
      await h.unit.store.create('staff', {
        name: 'Impostor',
        login: 'staff@example.com',
        role: 'owner',
        units: ['sp-paulista'],
        passwordHash: await hashPassword('impostor pass'),
        active: true,
      });
      for (const password of [PASSWORD, 'impostor pass']) {
        const response = await h.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { login: 'staff@example.com', password },
        });
        expect(response.statusCode).toBe(401);
      }
      const health = await h.app.inject({ url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json().reasons.join(' ')).toMatch(/1 login\(s\) belong to more than one account/);
    } finally {
      await h.close();
    }
  });

  test('a login typed with spaces and capitals is stored validated, and signs in', async () => {
    const h = await createHarness();
    try {
      await h.unit.store.create('staff', {
        name: 'Maria Silva',
        login: ' Maria.Silva ',
        role: 'staff',
        units: ['sp-paulista'],
        passwordHash: await hashPassword('maria pass'),
        active: true,
      });
      const response = await h.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { login: 'maria.silva', password: 'maria pass' },
      });
      expect(response.statusCode).toBe(200);
    } finally {
      await h.close();
    }
  });
});
