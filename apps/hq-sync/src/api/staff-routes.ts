import { HttpProblem, MAX_PASSWORD_LENGTH } from '@gymedge/edge/api';
import { sessionOf } from '@gymedge/edge/src/api/access.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChainStaff } from '../accounts.ts';

const Unit = z.union([
  z.literal('*'),
  z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'a unit id is a lower-case slug like sp-paulista'),
]);
const Password = z.string().min(10, 'at least 10 characters').max(MAX_PASSWORD_LENGTH);

const ChainAccount = z.object({
  id: z.string(),
  name: z.string(),
  login: z.string(),
  role: z.string(),
  units: z.array(z.string()),
});

/**
 * Chain-wide accounts at HQ (`staff:manage`): `POST /api/v1/staff` creates one, with its password hashed
 * into a credential at each unit it acts in and nowhere else; `PUT /api/v1/staff/:id/password` sets a
 * new one. Only an owner makes an owner.
 */
export function chainStaffRoutes(staff: ChainStaff): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/api/v1/staff',
      {
        config: { permission: 'staff:manage' },
        schema: {
          tags: ['staff'],
          summary: 'Create a chain-wide account (signs in offline at the units it acts in)',
          body: z.strictObject({
            name: z.string().trim().min(1).max(120),
            login: z.string().trim().min(3).max(120),
            role: z.enum(['owner', 'manager', 'staff', 'trainer']),
            units: z.array(Unit).min(1).max(200),
            password: Password,
          }),
          response: { 201: ChainAccount },
        },
      },
      async (request, reply) => {
        const { actor } = sessionOf(request);
        if (request.body.role === 'owner' && actor.role !== 'owner')
          throw new HttpProblem(403, 'Only an owner may create an owner account.');
        try {
          const created = await staff.create(request.body);
          return reply.code(201).send({
            id: created.id,
            name: created.name,
            login: created.login,
            role: created.role,
            units: created.units,
          });
        } catch (error) {
          if (error instanceof Error && /already taken/.test(error.message))
            throw new HttpProblem(409, error.message);
          throw error;
        }
      },
    );

    app.put(
      '/api/v1/staff/:id/password',
      {
        config: { permission: 'staff:manage' },
        schema: {
          tags: ['staff'],
          summary: "Set a chain-wide account's password at every unit it acts in",
          params: z.strictObject({ id: z.string().regex(/^staff:[0-9A-HJKMNP-TV-Z]{26}$/) }),
          body: z.strictObject({ password: Password }),
        },
      },
      async (request, reply) => {
        try {
          await staff.setPassword(request.params.id, request.body.password);
        } catch (error) {
          if (error instanceof Error && /not a chain-wide account/.test(error.message))
            throw new HttpProblem(404, error.message);
          throw error;
        }
        return reply.code(204).send();
      },
    );
  };
}
