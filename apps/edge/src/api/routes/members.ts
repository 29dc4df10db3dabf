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
import { sessionOf } from '../access.ts';
import { can } from '../permissions.ts';
import { forbidden, HttpProblem, problemResponses } from '../problems.ts';

/** What the member routes need. */
export interface MemberRoutesDeps {
  readonly members: MemberService;
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

/** A kiosk must type at least this much to find someone, and sees at most this many matches. */
export const KIOSK_MIN_QUERY = 3;
export const KIOSK_MAX_RESULTS = 10;

/** What a lookup-only caller (a kiosk) sees: enough to greet and check someone in, no contact data. */
function lookupView(member: MemberView): MemberView {
  const { id, unitId, status, name, consent, createdAt, updatedAt } = member;
  return { id, unitId, status, ...(name === undefined ? {} : { name }), consent, createdAt, updatedAt };
}

function notFound(id: string): HttpProblem {
  return new HttpProblem(404, `There is no member ${id} at this unit.`);
}

const READ_DESCRIPTION =
  'Staff see the full record; a kiosk (members:lookup) sees only id, name, status and consent.';

/** `/api/v1/members`: create, search, read, change and erase members of this unit. */
export function memberRoutes(deps: MemberRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/v1/members',
      {
        config: { permission: 'members:write' },
        schema: {
          tags: ['members'],
          summary: 'Register a new member',
          body: MemberCreateInput,
          response: { 201: MemberView, ...problemResponses(400, 409, 413, 415) },
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
        config: { permission: ['members:read', 'members:lookup'] },
        schema: {
          tags: ['members'],
          summary: 'Search members by name, CPF, phone or e-mail',
          description: `${READ_DESCRIPTION} A kiosk must search with at least ${KIOSK_MIN_QUERY} characters and gets at most ${KIOSK_MAX_RESULTS} matches.`,
          querystring: MemberSearchQuery,
          response: { 200: MemberPage, ...problemResponses(400) },
        },
      },
      async (request) => {
        const { actor } = sessionOf(request);
        if (can(actor.role, 'members:read')) return deps.members.search(request.query);
        const q = request.query.q ?? '';
        if (q.length < KIOSK_MIN_QUERY) {
          throw forbidden(
            `A ${actor.role} may only search for a member by name, CPF or phone (at least ${KIOSK_MIN_QUERY} characters); listing members needs the permission members:read.`,
          );
        }
        const page = deps.members.search({
          ...request.query,
          limit: Math.min(request.query.limit, KIOSK_MAX_RESULTS),
        });
        return { items: page.items.map(lookupView), total: page.total };
      },
    );

    app.get(
      '/api/v1/members/:id',
      {
        config: { permission: ['members:read', 'members:lookup', 'members:read-own'], ownerParam: 'id' },
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
        const lookupOnly = !can(actor.role, 'members:read') && !can(actor.role, 'members:read-own');
        return lookupOnly ? lookupView(member) : member;
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
          response: { 204: z.undefined().describe('erased'), ...problemResponses(400, 404) },
        },
      },
      async (request, reply) => {
        await deps.members.erase(request.params.id, sessionOf(request).actor);
        return reply.code(204).send();
      },
    );
  };
}
