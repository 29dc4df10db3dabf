import { ROLES, type Role } from '@gymedge/crdt-schema';

/**
 * Everything the API lets someone do, by name. A route declares the permission it needs
 * (`config: { permission: 'members:read' }`) and one hook checks it against {@link PERMISSIONS}.
 */
export const PERMISSION_NAMES = [
  'auth:session',
  'members:read',
  'members:roster',
  'members:lookup',
  'members:read-own',
  'members:write',
  'members:erase',
  'members:import',
  'system:read',
  'system:backup',
  'system:metrics',
  'assistant:use',
  'assistant:act-for-members',
  'sync:manage',
  'staff:manage',
  'ops:checkin',
  'ops:book',
  'ops:schedule',
  'ops:roster',
  'ops:timetable',
  'ops:sell',
  'ops:plans',
  'ops:equipment',
  'ops:alerts',
  'ops:reports',
  'ops:export',
  'vision:read',
  'vision:configure',
  'churn:read',
  'churn:admin',
  'segments:read',
] as const;
export type Permission = (typeof PERMISSION_NAMES)[number];

/**
 * Who may do what, least privilege first. The only place roles meet permissions.
 *
 * - `auth:session`: see and renew one's own session (every signed-in account).
 * - `members:read`: full member records, list and search (owners, managers, front desk).
 * - `members:roster`: a trainer's view: id, name, status and consent, search by name only; never CPF,
 *   e-mail, phone or birth date.
 * - `members:lookup`: a kiosk (an unattended check-in device in the lobby) finds a member by a search of
 *   at least 3 characters and sees only id, name, status and consent; never e-mail, phone, CPF or birth
 *   date, and never a list of everybody, so a stolen kiosk token cannot dump the member base.
 * - `members:read-own`: a member reads their own record and nobody else's (the route names the param).
 * - `members:write`: create and edit members (front desk); `members:erase` (LGPD erasure, irreversible)
 *   and `members:import` (bulk writes) stay with managers and owners.
 * - `system:read` (full health incl. storage path) and `system:backup` (a copy of every member's data).
 * - `system:metrics`: every Prometheus metric, sign-in outcomes included (a caller on this machine gets
 *   the rest without a token).
 * - `assistant:use`: talk to the assistant (every role; what it may do for whom is decided per role in
 *   the route: a member for themselves, a kiosk for the member it checked in).
 * - `assistant:act-for-members`: let the assistant book and cancel for the member the desk names.
 * - `sync:manage`: at HQ, retry a change kept in quarantine (after an upgrade that understands it).
 * - `staff:manage`: at HQ, create chain-wide accounts and set their passwords (only an owner makes an owner).
 * - Operations (docs/operations.md): `ops:checkin` check a member in (desk and kiosk); `ops:book` book
 *   and cancel classes (a kiosk only for the member it checked in: the route asks for the serving
 *   ticket); `ops:schedule` the class list without people's data (kiosk too); `ops:roster` who is in a
 *   class and attendance; `ops:timetable` edit sessions and class types; `ops:sell` memberships and
 *   payments; `ops:plans` the plan catalogue; `ops:equipment` the registry and maintenance;
 *   `ops:alerts` the alerts inbox; `ops:reports` daily reports; `ops:export` CSV and LGPD exports.
 * - `vision:read`: the camera monitor (live frames on the unit's own network only, counts, alerts);
 *   `vision:configure`: draw a camera's zones and counting lines.
 * - `churn:read`: members' churn risk with reasons (docs/ml.md), for the people who call members;
 *   `churn:admin`: promote, roll back and retrain the churn model; `segments:read`: customer segments by id.
 */
export const PERMISSIONS: Record<Permission, readonly Role[]> = {
  'auth:session': ROLES,
  'members:read': ['owner', 'manager', 'staff'],
  'members:roster': ['trainer'],
  'members:lookup': ['kiosk'],
  'members:read-own': ['member'],
  'members:write': ['owner', 'manager', 'staff'],
  'members:erase': ['owner', 'manager'],
  'members:import': ['owner', 'manager'],
  'system:read': ['owner', 'manager'],
  'system:backup': ['owner', 'manager'],
  'system:metrics': ['owner', 'manager'],
  'assistant:use': ROLES,
  'assistant:act-for-members': ['owner', 'manager', 'staff'],
  'sync:manage': ['owner', 'manager'],
  'staff:manage': ['owner', 'manager'],
  'ops:checkin': ['owner', 'manager', 'staff', 'kiosk'],
  'ops:book': ['owner', 'manager', 'staff', 'kiosk'],
  'ops:schedule': ['owner', 'manager', 'staff', 'trainer', 'kiosk'],
  'ops:roster': ['owner', 'manager', 'staff', 'trainer'],
  'ops:timetable': ['owner', 'manager', 'staff'],
  'ops:sell': ['owner', 'manager', 'staff'],
  'ops:plans': ['owner', 'manager'],
  'ops:equipment': ['owner', 'manager', 'staff', 'trainer'],
  'ops:alerts': ['owner', 'manager', 'staff', 'trainer'],
  'ops:reports': ['owner', 'manager'],
  'ops:export': ['owner', 'manager'],
  'vision:read': ['owner', 'manager', 'staff', 'trainer'],
  'vision:configure': ['owner', 'manager'],
  'churn:read': ['owner', 'manager', 'staff'],
  'churn:admin': ['owner', 'manager'],
  'segments:read': ['owner', 'manager', 'staff'],
};

/** Permissions that only hold for the caller's own records: the route names the param that must match. */
export const OWN_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>(['members:read-own']);

export function can(role: Role, permission: Permission): boolean {
  return PERMISSIONS[permission].includes(role);
}

/** The permissions a role holds, for `GET /api/v1/auth/me` (so screens can hide what a role cannot do). */
export function permissionsOf(role: Role): Permission[] {
  return PERMISSION_NAMES.filter((permission) => PERMISSIONS[permission].includes(role));
}
