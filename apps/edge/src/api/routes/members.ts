import { isDocId } from '@gymedge/crdt-schema';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  MemberCreateInput,
  MemberPage,
  MemberPatchInput,
  MemberSearchQuery,
  MemberView,
} from '../../domain/member.ts';
import type { MemberService } from '../../services/contracts.ts';
import { type ApiActor, sessionOf } from '../access.ts';
import { can } from '../permissions.ts';
import { forbidden, HttpProblem, problemResponses } from '../problems.ts';
import { WindowCounter } from '../throttle.ts';

/** What the member routes need. */
export interface MemberRoutesDeps {
  readonly members: MemberService;
  /** Searches one kiosk account may make per minute; default 30. */
  readonly searchesPerMinute?: number;
  /** Milliseconds (tests move it). */
  readonly now?: () => number;
}

/** Same rule as `isDocId(value, 'member')`, spelled as a pattern so the OpenAPI document shows it. */
const MEMBER_ID = /^member:[0-9A-HJKMNP-TV-Z]{26}$/;
const MEMBER_ID_MESSAGE = 'must be a member id like member:01JD8Q6W0C5V3T2YH4N8K9M7PA';

export const MemberIdParams = z.object({
  id: z
    .string()
    .regex(MEMBER_ID, MEMBER_ID_MESSAGE)
    .refine((id) => isDocId(id, 'member'), MEMBER_ID_MESSAGE),
});

const VIEW_EXAMPLE = {
  id: 'member:01JD8Q6W0C5V3T2YH4N8K9M7PA',
  unitId: 'sp-paulista',
  status: 'active',
  name: 'Ana Lima',
  email: 'ana@example.com',
  phone: '+5511987654321',
  document: '52998224725',
  birthDate: '1990-04-02',
  consent: { marketing: false, imageAnalytics: false },
  createdAt: '2026-11-25T13:00:00.000Z',
  updatedAt: '2026-11-25T13:00:00.000Z',
};

/** A kiosk sees at most this many matches of one exact look-up (namesakes), and no count. */
export const KIOSK_MAX_RESULTS = 10;

/** Personal fields of a member view: every read that returns one of them is audited. */
const PERSONAL_FIELDS = [
  'name',
  'email',
  'phone',
  'document',
  'birthDate',
  'gender',
  'age',
  'externalRef',
] as const;

/** What a lookup-only caller (a kiosk) or a trainer sees: enough to greet someone, no contact data. */
function namedView(member: MemberView): MemberView {
  const { id, unitId, status, name, consent, createdAt, updatedAt } = member;
  return { id, unitId, status, ...(name === undefined ? {} : { name }), consent, createdAt, updatedAt };
}

function notFound(id: string): HttpProblem {
  return new HttpProblem(404, `There is no member ${id} at this unit.`);
}

/** What one caller may see of members. */
type Reach = 'full' | 'own' | 'roster' | 'lookup';

function reachOf(role: ApiActor['role']): Reach {
  if (can(role, 'members:read')) return 'full';
  if (can(role, 'members:roster')) return 'roster';
  if (can(role, 'members:read-own')) return 'own';
  return 'lookup';
}

function shown(views: readonly MemberView[]): string[] {
  const fields = new Set<string>();
  for (const view of views)
    for (const field of PERSONAL_FIELDS) if (view[field] !== undefined) fields.add(field);
  return [...fields];
}

const READ_DESCRIPTION =
  'Owners, managers and staff see the full record; a trainer (members:roster) sees id, name, status and consent; ' +
  'a kiosk (members:lookup) sees the same, for exact look-ups only. Every read of personal fields is audited.';

const KIOSK_RULE =
  'A kiosk looks a member up by the whole CPF (11 digits), the member card (the chain customer id, e.g. CS5295) ' +
  'or the full name; never by the start of a name, CPF or phone';

/** How a kiosk query is read: exactly one kind of exact key, or a refusal saying what is accepted. */
function kioskKey(q: string): { kind: 'document' | 'externalRef' | 'name'; value: string } {
  const text = q.trim();
  if (/^[\d\s.-]+$/.test(text)) {
    const digits = text.replace(/\D/g, '');
    if (digits.length === 11) return { kind: 'document', value: digits };
    throw forbidden(`${KIOSK_RULE}: ${digits.length} digits is not a whole CPF.`);
  }
  if (/^[A-Za-z0-9_-]{3,60}$/.test(text) && /\d/.test(text) && /[A-Za-z]/.test(text)) {
    return { kind: 'externalRef', value: text };
  }
  const words = text.split(/\s+/).filter((word) => word.length > 0);
  if (words.length >= 2 && !/\d/.test(text)) return { kind: 'name', value: text };
  throw forbidden(`${KIOSK_RULE}: type the first and last name.`);
}

const KioskPage = MemberPage.extend({
  total: z.number().int().optional().describe('absent for a kiosk'),
});

/** `/api/v1/members`: create, search, read, change and erase members of this unit. */
export function memberRoutes(deps: MemberRoutesDeps): FastifyPluginAsyncZod {
  const searches = new WindowCounter(deps.searchesPerMinute ?? 30, 60_000, deps.now);
  return async (app) => {
    app.post(
      '/api/v1/members',
      {
        config: { permission: 'members:write' },
        schema: {
          tags: ['members'],
          summary: 'Register a new member',
          description:
            'A CPF or e-mail that another member of this unit already has is a 409 naming that member (`conflict`), so the staff can open that record instead.',
          body: MemberCreateInput,
          response: {
            201: {
              description: 'Registered: the member as stored; the Location header names it',
              content: { 'application/json': { schema: MemberView.meta({ examples: [VIEW_EXAMPLE] }) } },
            },
            ...problemResponses(400, 409, 413, 415),
          },
        },
      },
      async (request, reply) => {
        const member = await deps.members.create(request.body, sessionOf(request).actor);
        return reply.code(201).header('location', `/api/v1/members/${member.id}`).send(member);
      },
    );

    app.get(
      '/api/v1/members',
      {
        config: { permission: ['members:read', 'members:roster', 'members:lookup'] },
        schema: {
          tags: ['members'],
          summary: 'Search members by name, CPF, phone, e-mail or customer id',
          description: `${READ_DESCRIPTION} A trainer searches by name only. ${KIOSK_RULE}; it gets at most ${KIOSK_MAX_RESULTS} matches and no count, and ${deps.searchesPerMinute ?? 30} searches a minute.`,
          querystring: MemberSearchQuery,
          response: { 200: KioskPage, ...problemResponses(400, 429) },
        },
      },
      async (request) => {
        const { actor } = sessionOf(request);
        const reach = reachOf(actor.role);
        if (reach === 'full') {
          const page = deps.members.search(request.query);
          deps.members.auditRead(actor, {
            how: 'search',
            members: page.items.map((item) => item.id),
            fields: shown(page.items),
          });
          return page;
        }
        const q = request.query.q ?? '';
        if (reach === 'roster') {
          if (q !== '' && (/\d/.test(q) || q.includes('@'))) {
            throw forbidden(`A ${actor.role} searches members by name only, not by CPF, phone or e-mail.`);
          }
          const page = deps.members.search(request.query);
          const items = page.items.map(namedView);
          deps.members.auditRead(actor, {
            how: 'roster',
            members: items.map((item) => item.id),
            fields: shown(items),
          });
          return { ...page, items };
        }
        if (q === '') {
          throw forbidden(`${KIOSK_RULE}; listing members needs the permission members:read.`);
        }
        const key = kioskKey(q);
        const wait = searches.take(actor.id);
        if (wait > 0) {
          throw new HttpProblem(
            429,
            `This device searched too often. Please wait ${Math.ceil(wait / 1000)} seconds and try again.`,
            { headers: { 'retry-after': String(Math.ceil(wait / 1000)) } },
          );
        }
        const items = deps.members.lookup(key, KIOSK_MAX_RESULTS).map(namedView);
        deps.members.auditRead(actor, {
          how: `lookup:${key.kind}`,
          members: items.map((item) => item.id),
          fields: shown(items),
        });
        return { items };
      },
    );

    app.get(
      '/api/v1/members/:id',
      {
        config: {
          permission: ['members:read', 'members:roster', 'members:lookup', 'members:read-own'],
          ownerParam: 'id',
        },
        schema: {
          tags: ['members'],
          summary: 'One member',
          description: `${READ_DESCRIPTION} A member account may read only its own record.`,
          params: MemberIdParams,
          response: { 200: MemberView, ...problemResponses(400, 404) },
        },
      },
      async (request) => {
        const { actor } = sessionOf(request);
        const member = deps.members.get(request.params.id);
        if (member === undefined) throw notFound(request.params.id);
        const reach = reachOf(actor.role);
        const view = reach === 'full' || reach === 'own' ? member : namedView(member);
        deps.members.auditRead(actor, { how: 'get', members: [member.id], fields: shown([view]) });
        return view;
      },
    );

    app.patch(
      '/api/v1/members/:id',
      {
        config: { permission: 'members:write' },
        schema: {
          tags: ['members'],
          summary: 'Change some fields of a member',
          description: 'Absent fields stay as they are; null clears an optional field.',
          params: MemberIdParams,
          body: MemberPatchInput,
          response: { 200: MemberView, ...problemResponses(400, 404, 409, 413, 415) },
        },
      },
      async (request) => deps.members.update(request.params.id, request.body, sessionOf(request).actor),
    );

    app.delete(
      '/api/v1/members/:id',
      {
        config: { permission: 'members:erase' },
        schema: {
          tags: ['members'],
          summary: 'Erase a member (LGPD)',
          description:
            'Personal data becomes unreadable everywhere, for good; the member id stays for the books.',
          params: MemberIdParams,
          response: { 204: z.undefined().describe('erased'), ...problemResponses(400, 404, 409) },
        },
      },
      async (request, reply) => {
        await deps.members.erase(request.params.id, sessionOf(request).actor);
        return reply.code(204).send();
      },
    );
  };
}
