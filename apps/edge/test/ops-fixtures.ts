// Fixtures for the operations end-to-end tests: a real unit on a port, filled through its own API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicDocId } from '@gymedge/crdt-schema';
import { ensureWebBuilt } from '@gymedge/ui/build';
import { cpfFromBase } from '../src/domain/cpf.ts';
import { type RunningEdge, startEdge } from '../src/edge-app.ts';
import { createLogger } from '../src/lib/logger.ts';
import { EDGE_ROOT } from '../src/paths.ts';

export const UNIT = 'sp-paulista';
export const ADMIN_PASSWORD = 'operations e2e password';
const WEB = join(EDGE_ROOT, 'web');
const UI = join(EDGE_ROOT, '..', '..', 'packages', 'ui');

/** A unit with its screens built, started on a free port in a temporary folder. */
export interface TestUnit {
  edge: RunningEdge;
  readonly dataDir: string;
  readonly url: string;
  /** The admin's bearer token. */
  token(): Promise<string>;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Stops the unit and starts it again on the same port and folder. */
  restart(pauseMs?: number): Promise<void>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

const quiet = () => createLogger('ops-e2e', 'warn');

export async function startTestUnit(): Promise<TestUnit> {
  await ensureWebBuilt(WEB, [UI]);
  const dataDir = mkdtempSync(join(tmpdir(), 'gymedge-ops-e2e-'));
  let edge = await startEdge({
    unitId: UNIT,
    port: 0,
    dataDir,
    adminPassword: ADMIN_PASSWORD,
    logger: quiet(),
    vision: { enabled: false },
  });
  const url = edge.url;
  const port = Number(new URL(url).port);
  let token: string | undefined;
  const unit: TestUnit = {
    get edge() {
      return edge;
    },
    set edge(value) {
      edge = value;
    },
    dataDir,
    url,
    async token() {
      if (token) return token;
      const response = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'admin', password: ADMIN_PASSWORD }),
      });
      if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
      token = ((await response.json()) as { token: string }).token;
      return token;
    },
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await unit.token()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async restart(pauseMs = 0) {
      await edge.stop();
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      edge = await startEdge({ unitId: UNIT, port, dataDir, logger: quiet(), vision: { enabled: false } });
    },
    stop: () => edge.stop(),
    async cleanup() {
      await edge.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  // The unit's own document (name, zone) and the chain catalogue (a plan, a class type).
  await edge.unit.store.create(
    'unit',
    {
      name: 'GymEdge Paulista',
      timeZone: 'America/Sao_Paulo',
      city: 'São Paulo',
      state: 'SP',
      currency: 'BRL',
    },
    { id: deterministicDocId('unit', UNIT) },
  );
  return unit;
}

/** Creates the catalogue and returns the ids. */
export async function catalogue(unit: TestUnit) {
  const plan = await unit.api<{ id: string }>('POST', '/api/v1/plans', {
    name: 'Mensal Livre',
    priceCents: 12990,
    billingPeriod: 'monthly',
    enrolmentFeeCents: 5000,
    graceDays: 5,
  });
  const classType = await unit.edge.unit.store.create('classType', {
    name: 'Spinning',
    category: 'cardio',
    durationMin: 45,
    defaultCapacity: 12,
    intensity: 'high',
  });
  return { planId: plan.id, classTypeId: classType.id };
}

let cpfSeed = 300_000_000;
/** A member with a paid membership of `planId`; returns id and CPF. */
export async function paidMember(
  unit: TestUnit,
  name: string,
  planId: string,
): Promise<{ id: string; cpf: string }> {
  const cpf = cpfFromBase(String(cpfSeed++));
  const member = await unit.api<{ id: string }>('POST', '/api/v1/members', { name, document: cpf });
  const sold = await unit.api<{ payments: Array<{ id: string }> }>(
    'POST',
    `/api/v1/members/${member.id}/memberships`,
    { planId },
  );
  for (const payment of sold.payments)
    await unit.api('POST', `/api/v1/payments/${payment.id}/pay`, { method: 'cash' });
  return { id: member.id, cpf };
}

/** Tomorrow's date at the unit (São Paulo), `YYYY-MM-DD`. */
export function tomorrow(): string {
  const now = new Date(Date.now() - 3 * 3_600_000 + 86_400_000);
  return now.toISOString().slice(0, 10);
}
