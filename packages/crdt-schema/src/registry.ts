import type { z } from 'zod';
import { AlertDoc } from './documents/alert.ts';
import { CameraDoc } from './documents/camera.ts';
import { ClassSessionDoc } from './documents/class-session.ts';
import { ClassTypeDoc } from './documents/class-type.ts';
import { CredentialDoc } from './documents/credential.ts';
import { DirectoryDoc } from './documents/directory.ts';
import { EquipmentDoc } from './documents/equipment.ts';
import { MemberDoc } from './documents/member.ts';
import { MembershipDoc } from './documents/membership.ts';
import { PaymentDoc } from './documents/payment.ts';
import { PlanDoc } from './documents/plan.ts';
import { StaffDoc } from './documents/staff.ts';
import { UnitDoc } from './documents/unit.ts';
import { ZoneDoc } from './documents/zone.ts';
import type { DocType } from './ids.ts';

/**
 * A migration takes a document of version N (as a mutable Automerge proxy, inside a change) and
 * brings it to version N + 1. It must be deterministic: two units migrating the same document at
 * once write the same values, which merge to one result.
 */
export type Migration = (doc: Record<string, unknown>) => void;

/** Where a document type lives: `unit` documents belong to one unit, `chain` ones to every unit. */
export type Scope = 'unit' | 'chain';

export interface DocTypeSpec<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly version: number;
  readonly scope: Scope;
  /** `migrations[n]` upgrades version n + 1 to version n + 2 (index 0: from version 1 to 2). */
  readonly migrations: readonly Migration[];
}

function spec<S extends z.ZodType>(
  schema: S,
  version: number,
  scope: Scope,
  migrations: readonly Migration[] = [],
): DocTypeSpec<S> {
  if (migrations.length !== version - 1) {
    throw new Error(
      `schema registry: version ${version} needs ${version - 1} migrations, has ${migrations.length}`,
    );
  }
  return { schema, version, scope, migrations };
}

/** Member v1 had no LGPD consent flags; v2 records consent, which defaults to "not given". */
const memberV1toV2: Migration = (doc) => {
  if (doc.consent === undefined) doc.consent = { marketing: false, imageAnalytics: false };
  doc.schemaVersion = 2;
};

/**
 * Plan, membership and equipment v2 only add optional fields (class packs, fees, freezes, credits,
 * maintenance history): the migration bumps the version, and absent fields mean the v1 behaviour.
 */
const toV2: Migration = (doc) => {
  doc.schemaVersion = 2;
};

/**
 * Staff v2 makes `passwordHash` optional: chain-wide accounts keep their hash on per-unit `credential`
 * documents. The step itself only bumps the version (it never creates a nested object, and a replica
 * that is not the owner only migrates a copy for reading); HQ, the owner of chain-wide accounts, then
 * copies a v1 hash to the credentials and removes it from the staff document as a normal change, so
 * sign-in keeps working at every unit throughout (`ChainStaff.reconcile`, apps/hq-sync).
 */
const staffV1toV2: Migration = (doc) => {
  doc.schemaVersion = 2;
};

export const REGISTRY = {
  unit: spec(UnitDoc, 1, 'unit'),
  staff: spec(StaffDoc, 2, 'chain', [staffV1toV2]),
  member: spec(MemberDoc, 2, 'unit', [memberV1toV2]),
  plan: spec(PlanDoc, 2, 'chain', [toV2]),
  membership: spec(MembershipDoc, 2, 'unit', [toV2]),
  payment: spec(PaymentDoc, 1, 'unit'),
  classType: spec(ClassTypeDoc, 1, 'chain'),
  classSession: spec(ClassSessionDoc, 1, 'unit'),
  equipment: spec(EquipmentDoc, 2, 'unit', [toV2]),
  zone: spec(ZoneDoc, 1, 'unit'),
  camera: spec(CameraDoc, 1, 'unit'),
  alert: spec(AlertDoc, 1, 'unit'),
  // HQ writes both, addressed to one unit (`unitId`): they travel down that unit's stream only.
  directory: spec(DirectoryDoc, 1, 'unit'),
  credential: spec(CredentialDoc, 1, 'unit'),
} as const satisfies Record<DocType, DocTypeSpec>;

export type DocOf<T extends DocType> = z.infer<(typeof REGISTRY)[T]['schema']>;
export type AnyDoc = { [T in DocType]: DocOf<T> }[DocType];
