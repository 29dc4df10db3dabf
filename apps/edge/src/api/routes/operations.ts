import { randomBytes } from 'node:crypto';
import { type DocumentId, deterministicDocId, isDocId } from '@gymedge/crdt-schema';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Logger } from '../../lib/logger.ts';
import type { AccountDirectory } from '../../services/contracts.ts';
import { createOperations, type Operations } from '../../services/operations.ts';
import type { UnitStore } from '../../unit-store.ts';
import { fromLoopback, sessionOf } from '../access.ts';
import { hashPassword } from '../auth.ts';
import { forbidden, HttpProblem, problemResponses } from '../problems.ts';
import type { TokenService } from '../tokens.ts';

/** What the operations routes need. */
export interface OperationsRoutesDeps {
  readonly operations: Operations;
  readonly unit: UnitStore;
  readonly unitId: string;
  readonly accounts: AccountDirectory;
  readonly tokens: TokenService;
}

const ID = /^[a-zA-Z]+:[0-9A-HJKMNP-TV-Z]{26}$/;
const idOf = (type: Parameters<typeof isDocId>[1]) =>
  z
    .string()
    .regex(ID)
    .refine((value) => isDocId(value, type), `must be a ${type} id`);
const IsoDate = z.iso.date();
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time like 07:30');
const Method = z.enum(['pix', 'credit_card', 'debit_card', 'cash', 'boleto']);
const Text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^<>{}\\\p{Cc}]*$/u, 'must not contain <, >, {, }, \\ or control characters');

const SessionSummary = z.looseObject({
  id: z.string(),
  title: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  capacity: z.number(),
  booked: z.number(),
  waitlisted: z.number(),
  seatsLeft: z.number(),
  status: z.string(),
  mine: z
    .looseObject({ status: z.enum(['booked', 'waitlisted']), position: z.number().optional() })
    .optional(),
});
const BookingOutcome = z.looseObject({
  status: z.enum(['booked', 'waitlisted', 'refused']),
  sessionId: z.string(),
  position: z.number().optional().describe('waitlisted: 1 = next in line'),
  reason: z.string().optional().describe('refused: a code the screens translate'),
  detail: z.string().optional(),
  creditsLeft: z.number().optional(),
});
const CancelOutcome = z.looseObject({
  status: z.enum(['cancelled', 'left_waitlist', 'refused']),
  sessionId: z.string(),
  late: z.boolean().optional(),
  creditRefunded: z.boolean().optional(),
  promoted: z.array(z.string()).optional(),
  reason: z.string().optional(),
  detail: z.string().optional(),
});
const CheckInResult = z.looseObject({
  allowed: z.boolean(),
  reason: z.string().optional(),
  at: z.string(),
  member: z.object({ id: z.string(), firstName: z.string() }).optional(),
  serving: z.string().optional().describe('send back as `serving` to book or cancel for this member (5 min)'),
  upcoming: z.array(SessionSummary),
  promotions: z.array(SessionSummary),
});
const Loose = z.looseObject({});
const List = z.looseObject({ items: z.array(z.looseObject({})) });

/**
 * The services return readonly interfaces; the response schema is what the serializer checks at run
 * time, so the handler's value is typed as the schema's output here.
 */
function shaped<S extends z.ZodType>(_schema: S, value: unknown): z.infer<S> {
  return value as z.infer<S>;
}

/** `serving` ticket for kiosk bookings. */
const Serving = z.string().max(120).optional().describe('a kiosk must send the ticket its check-in returned');

/**
 * The kiosk acts only for the member it checked in during the last minutes: its calls carry the
 * serving ticket, which names that member. Staff act for anyone.
 */
function actingFor(
  request: FastifyRequest,
  ops: Operations,
  memberId: string,
  serving: string | undefined,
): void {
  const { actor } = sessionOf(request);
  if (actor.role !== 'kiosk') return;
  if (serving === undefined || ops.checkins.servedMember(serving) !== memberId)
    throw forbidden('A kiosk may book only for the member it just checked in. Please check in again.');
}

function csv(reply: FastifyReply, name: string, body: string) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}"`)
    .send(body);
}

/** Makes sure the unit has its kiosk device account (login `kiosk-<unit>`, a random password nobody knows). */
async function ensureKioskAccount(unit: UnitStore, unitId: string): Promise<string> {
  const id = deterministicDocId('staff', unitId, 'kiosk-device');
  if (!unit.store.has(id)) {
    await unit.store.create(
      'staff',
      {
        name: 'Quiosque da recepção',
        login: `kiosk-${unitId}`,
        role: 'kiosk',
        units: [unitId],
        passwordHash: await hashPassword(randomBytes(24).toString('base64url')),
        active: true,
      },
      // The unit's own device account: chain-wide (`unitId: 'chain'`) accounts are HQ's to write (docs/sync.md).
      { id, unitId },
    );
  }
  return id;
}

/** The routes of the front desk, the kiosk and the staff console (docs/operations.md). */
export function operationsRoutes(deps: OperationsRoutesDeps): FastifyPluginAsyncZod {
  const ops = deps.operations;
  return async (app) => {
    const kioskId = await ensureKioskAccount(deps.unit, deps.unitId);
    const tags = ['operations'];

    // ------------------------------------------------------------------ kiosk
    app.post(
      '/api/v1/kiosk/pair',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'The kiosk screen on this machine signs in as the unit’s kiosk device',
          description:
            'Only from 127.0.0.1 (the appliance’s own screen) and only when operations.json allows it (default). Remote kiosks sign in with the device login.',
          security: [],
          response: { 200: Loose, ...problemResponses(403) },
        },
      },
      async (request) => {
        if (!ops.context.config.kioskLoopbackPairing || !fromLoopback(request))
          throw forbidden(
            'Kiosk pairing works only on the unit itself. Sign in with the kiosk device login.',
          );
        const account = deps.accounts.findById(kioskId);
        if (!account?.active) throw forbidden('The kiosk device account is deactivated.');
        const issued = await deps.tokens.issue(account);
        return {
          ...issued,
          tokenType: 'Bearer',
          account: { id: account.id, name: account.name, role: account.role },
        };
      },
    );

    app.post(
      '/api/v1/checkins',
      {
        config: { permission: 'ops:checkin' },
        schema: {
          tags,
          summary: 'Check a member in by QR code, CPF, member number, or (staff) member id',
          description:
            'A refusal is an answer (200, `allowed: false`, `reason`): no_active_plan, overdue, frozen, wrong_unit, closed, already_inside, member_unknown, member_inactive, invalid_code.',
          body: z.union([
            z.strictObject({
              code: z.string().min(10).max(200).describe('the text of the member’s QR code'),
            }),
            z.strictObject({ document: z.string().min(11).max(14).describe('CPF, typed') }),
            z.strictObject({
              number: z
                .string()
                .trim()
                .regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, - or _')
                .describe(
                  'the member number typed: the customer id on the member’s card (e.g. 48213, CS5295)',
                ),
            }),
            z.strictObject({ memberId: idOf('member') }),
          ]),
          response: { 200: CheckInResult, ...problemResponses(400, 403) },
        },
      },
      async (request) => {
        const { actor } = sessionOf(request);
        const body = request.body;
        if ('memberId' in body && actor.role === 'kiosk')
          throw forbidden('A kiosk checks members in by their QR code or CPF.');
        return shaped(
          CheckInResult,
          await ops.checkins.checkIn({ ...body, actor } as Parameters<typeof ops.checkins.checkIn>[0]),
        );
      },
    );

    app.get(
      '/api/v1/sessions',
      {
        config: { permission: 'ops:schedule' },
        schema: {
          tags,
          summary: 'Classes starting in a window (default: the next 7 days), with a member’s place',
          querystring: z.strictObject({
            from: z.iso.datetime().optional(),
            days: z.coerce.number().int().min(1).max(31).optional(),
            memberId: idOf('member').optional(),
            serving: Serving,
          }),
          response: { 200: z.object({ items: z.array(SessionSummary) }), ...problemResponses(400, 403) },
        },
      },
      async (request) => {
        const { memberId, serving } = request.query;
        if (memberId) actingFor(request, ops, memberId, serving);
        return shaped(z.object({ items: z.array(SessionSummary) }), {
          items: ops.bookings.sessions({
            from: request.query.from ?? new Date(ops.context.now().getTime() - 3_600_000).toISOString(),
            ...(request.query.days ? { days: request.query.days } : {}),
            ...(memberId ? { memberId } : {}),
          }),
        });
      },
    );

    app.post(
      '/api/v1/sessions/:id/bookings',
      {
        config: { permission: 'ops:book' },
        schema: {
          tags,
          summary: 'Book a member into a class (or the waiting line when full)',
          params: z.object({ id: idOf('classSession') }),
          body: z.strictObject({
            memberId: idOf('member'),
            serving: Serving,
            waitlist: z.boolean().optional(),
          }),
          response: { 200: BookingOutcome, ...problemResponses(400, 403, 404) },
        },
      },
      async (request) => {
        actingFor(request, ops, request.body.memberId, request.body.serving);
        const outcome = await ops.bookings.book({
          memberId: request.body.memberId,
          sessionId: request.params.id,
          actor: sessionOf(request).actor,
          ...(request.body.waitlist === undefined ? {} : { waitlist: request.body.waitlist }),
        });
        return shaped(BookingOutcome, outcome);
      },
    );

    app.delete(
      '/api/v1/sessions/:id/bookings/:memberId',
      {
        config: { permission: 'ops:book' },
        schema: {
          tags,
          summary: 'Cancel a member’s seat (the first in line gets it) or leave the waiting line',
          params: z.object({ id: idOf('classSession'), memberId: idOf('member') }),
          querystring: z.strictObject({ serving: Serving }),
          response: { 200: CancelOutcome, ...problemResponses(400, 403, 404) },
        },
      },
      async (request) => {
        actingFor(request, ops, request.params.memberId, request.query.serving);
        const outcome = await ops.bookings.cancel({
          memberId: request.params.memberId,
          sessionId: request.params.id,
          actor: sessionOf(request).actor,
        });
        return shaped(CancelOutcome, outcome);
      },
    );

    // ------------------------------------------------------------------ timetable
    app.get(
      '/api/v1/sessions/:id',
      {
        config: { permission: 'ops:roster' },
        schema: {
          tags,
          summary: 'A class with its roster and waiting line',
          params: z.object({ id: idOf('classSession') }),
          response: { 200: Loose },
        },
      },
      async (request) => ops.bookings.roster(request.params.id),
    );

    app.post(
      '/api/v1/sessions/:id/attendance',
      {
        config: { permission: 'ops:roster' },
        schema: {
          tags,
          summary: 'Mark a booked member as attended or no-show',
          params: z.object({ id: idOf('classSession') }),
          body: z.strictObject({ memberId: idOf('member'), attended: z.boolean() }),
          response: { 200: Loose },
        },
      },
      async (request) => {
        await ops.bookings.markAttendance(request.params.id, request.body.memberId, request.body.attended);
        return ops.bookings.roster(request.params.id);
      },
    );

    app.post(
      '/api/v1/sessions',
      {
        config: { permission: 'ops:timetable' },
        schema: {
          tags,
          summary: 'Add a class to the timetable',
          body: z.strictObject({
            classTypeId: idOf('classType'),
            title: Text(80).optional(),
            date: IsoDate,
            time: Time,
            durationMin: z.number().int().min(10).max(240).optional(),
            capacity: z.number().int().min(1).max(500).optional(),
            room: Text(60).optional(),
            trainerId: idOf('staff').optional(),
          }),
          response: { 201: Loose, ...problemResponses(400, 404) },
        },
      },
      async (request, reply) => reply.code(201).send(await ops.timetable.createSession(request.body)),
    );

    app.patch(
      '/api/v1/sessions/:id',
      {
        config: { permission: 'ops:timetable' },
        schema: {
          tags,
          summary:
            'Change a class: capacity (more seats promote the waiting line), room, trainer, or cancel it',
          params: z.object({ id: idOf('classSession') }),
          body: z.strictObject({
            capacity: z.number().int().min(1).max(500).optional(),
            room: Text(60).optional(),
            title: Text(80).optional(),
            trainerId: idOf('staff').optional(),
            status: z.enum(['scheduled', 'cancelled']).optional(),
          }),
          response: { 200: Loose, ...problemResponses(400, 404) },
        },
      },
      async (request) => ops.timetable.updateSession(request.params.id, request.body),
    );

    app.post(
      '/api/v1/timetable/copy-week',
      {
        config: { permission: 'ops:timetable' },
        schema: {
          tags,
          summary: 'Roll the timetable forward: copy the classes of one week (Monday) to another',
          body: z.strictObject({ from: IsoDate, to: IsoDate }),
          response: {
            200: z.object({ created: z.number(), existing: z.number() }),
            ...problemResponses(400),
          },
        },
      },
      async (request) => {
        try {
          return await ops.timetable.copyWeek(request.body.from, request.body.to);
        } catch (error) {
          if (error instanceof RangeError) throw new HttpProblem(400, 'Both weeks must start on a Monday.');
          throw error;
        }
      },
    );

    app.get(
      '/api/v1/class-types',
      {
        config: { permission: 'ops:schedule' },
        schema: { tags, summary: 'Kinds of class', response: { 200: List } },
      },
      async () => ({ items: ops.timetable.classTypes() }),
    );

    app.post(
      '/api/v1/class-types',
      {
        config: { permission: 'ops:timetable' },
        schema: {
          tags,
          summary: 'Add a kind of class (Spinning, Yoga...)',
          body: z.strictObject({
            name: Text(80),
            category: z
              .enum(['cardio', 'strength', 'mind_body', 'dance', 'aquatic', 'combat', 'other'])
              .default('other'),
            durationMin: z.number().int().min(10).max(240).default(60),
            defaultCapacity: z.number().int().min(1).max(500).default(20),
            intensity: z.enum(['low', 'medium', 'high']).default('medium'),
          }),
          response: { 201: Loose, ...problemResponses(400) },
        },
      },
      async (request, reply) => reply.code(201).send(await ops.timetable.createClassType(request.body)),
    );

    // ------------------------------------------------------------------ plans, memberships, payments
    app.get(
      '/api/v1/plans',
      {
        config: { permission: 'ops:sell' },
        schema: { tags, summary: 'Plans sold at this unit', response: { 200: List } },
      },
      async () => ({ items: ops.memberships.plans() }),
    );

    app.post(
      '/api/v1/plans',
      {
        config: { permission: 'ops:plans' },
        schema: {
          tags,
          summary: 'Add a plan to the catalogue',
          body: z.strictObject({
            name: Text(80),
            priceCents: z.number().int().min(0).max(10_000_000),
            billingPeriod: z.enum(['monthly', 'quarterly', 'semiannual', 'annual']),
            kind: z.enum(['recurring', 'class_pack']).default('recurring'),
            classCredits: z.number().int().min(1).max(1000).optional(),
            validityDays: z.number().int().min(1).max(730).optional(),
            enrolmentFeeCents: z.number().int().min(0).max(1_000_000).optional(),
            graceDays: z.number().int().min(0).max(60).optional(),
            access: z.enum(['home', 'all']).default('home'),
            freeze: z
              .strictObject({
                maxTimes: z.number().int().min(0).max(12),
                maxDays: z.number().int().min(0).max(365),
                minDays: z.number().int().min(1).max(365),
              })
              .optional(),
          }),
          response: { 201: Loose, ...problemResponses(400) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(
          // A plan made at a unit is that unit's own (HQ owns the chain's catalogue and refuses unit writes to it).
          await deps.unit.store.create(
            'plan',
            { ...request.body, currency: 'BRL', active: true },
            { unitId: deps.unit.store.unitId },
          ),
        ),
    );

    app.get(
      '/api/v1/members/:id/memberships',
      {
        config: { permission: 'ops:sell' },
        schema: {
          tags,
          summary: 'A member’s memberships with their state today',
          params: z.object({ id: idOf('member') }),
          response: { 200: List },
        },
      },
      async (request) => shaped(List, { items: ops.memberships.viewsOf(request.params.id) }),
    );

    app.post(
      '/api/v1/members/:id/memberships',
      {
        config: { permission: 'ops:sell' },
        schema: {
          tags,
          summary: 'Sell a plan: the membership and its first charges (enrolment fee, first term)',
          params: z.object({ id: idOf('member') }),
          body: z.strictObject({ planId: idOf('plan'), startDate: IsoDate.optional() }),
          response: { 201: Loose, ...problemResponses(400, 404, 409) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(
          await ops.memberships.sell(
            {
              memberId: request.params.id,
              planId: request.body.planId,
              ...(request.body.startDate ? { startDate: request.body.startDate } : {}),
            },
            sessionOf(request).actor,
          ),
        ),
    );

    app.post(
      '/api/v1/memberships/:id/:action',
      {
        config: { permission: 'ops:sell' },
        schema: {
          tags,
          summary: 'Freeze (from, until), cancel (at the end of the paid term) or renew a membership',
          params: z.object({ id: idOf('membership'), action: z.enum(['freeze', 'cancel', 'renew']) }),
          body: z
            .strictObject({
              from: IsoDate.optional(),
              until: IsoDate.optional(),
              reason: z.string().max(500).optional(),
            })
            .default({}),
          response: { 200: Loose, ...problemResponses(400, 404) },
        },
      },
      async (request) => {
        const { id, action } = request.params;
        if (action === 'cancel') return shaped(Loose, await ops.memberships.cancel(id, request.body.reason));
        if (action === 'renew') return shaped(Loose, await ops.memberships.renew(id));
        if (!request.body.from || !request.body.until)
          throw new HttpProblem(400, 'A freeze needs from and until dates.');
        return shaped(
          Loose,
          await ops.memberships.freeze(id, { from: request.body.from, until: request.body.until }),
        );
      },
    );

    app.get(
      '/api/v1/members/:id/payments',
      {
        config: { permission: 'ops:sell' },
        schema: {
          tags,
          summary: 'A member’s payments',
          params: z.object({ id: idOf('member') }),
          response: { 200: List },
        },
      },
      async (request) => ({ items: ops.payments.forMember(request.params.id) }),
    );

    app.post(
      '/api/v1/members/:id/charges',
      {
        config: { permission: 'ops:sell' },
        schema: {
          tags,
          summary: 'A one-off charge (product, personal training)',
          params: z.object({ id: idOf('member') }),
          body: z.strictObject({
            amountCents: z.number().int().min(1).max(10_000_000),
            service: Text(80),
            dueDate: IsoDate.optional(),
          }),
          response: { 201: Loose, ...problemResponses(400, 404) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(
          await ops.payments.charge({
            memberId: request.params.id,
            amountCents: request.body.amountCents,
            service: request.body.service,
            ...(request.body.dueDate ? { dueDate: request.body.dueDate } : {}),
          }),
        ),
    );

    app.get(
      '/api/v1/payments/:id/pix',
      {
        config: { permission: 'ops:sell' },
        schema: {
          tags,
          summary: 'The static Pix BR Code of an open payment (made on the unit, works offline)',
          params: z.object({ id: idOf('payment') }),
          response: {
            200: z.object({
              paymentId: z.string(),
              amountCents: z.number(),
              payload: z.string(),
              key: z.string(),
            }),
            ...problemResponses(400, 404),
          },
        },
      },
      async (request) => ops.payments.pix(request.params.id),
    );

    app.post(
      '/api/v1/payments/:id/pay',
      {
        config: { permission: 'ops:sell' },
        schema: {
          tags,
          summary: 'Staff confirm the money arrived; returns the receipt',
          params: z.object({ id: idOf('payment') }),
          body: z.strictObject({ method: Method }),
          response: { 200: Loose, ...problemResponses(400, 404) },
        },
      },
      async (request) => ops.payments.pay(request.params.id, request.body.method),
    );

    app.get(
      '/api/v1/payments/overdue',
      {
        config: { permission: 'ops:sell' },
        schema: { tags, summary: 'Charges past due, most late first', response: { 200: List } },
      },
      async () => ({
        items: ops.payments
          .overdue()
          .map((entry) => ({ ...entry, name: deps.unit.members.get(entry.memberId)?.name ?? '' })),
      }),
    );

    app.get(
      '/api/v1/members/:id/qr',
      {
        config: { permission: 'ops:sell' },
        schema: {
          tags,
          summary: 'The text of the member’s signed QR card',
          params: z.object({ id: idOf('member') }),
          response: { 200: z.object({ code: z.string() }) },
        },
      },
      async (request) => ({ code: ops.checkins.qrFor(request.params.id) }),
    );

    app.get(
      '/api/v1/members/:id/export',
      {
        config: { permission: 'ops:export' },
        schema: {
          tags,
          summary: 'LGPD: everything the unit holds about the member, as JSON or CSV',
          params: z.object({ id: idOf('member') }),
          querystring: z.strictObject({ format: z.enum(['json', 'csv']).default('json') }),
        },
      },
      async (request, reply) => {
        const body = ops.reports.memberExport(request.params.id, request.query.format);
        deps.unit.audit.append({
          actorId: sessionOf(request).actor.id,
          actorRole: sessionOf(request).actor.role,
          action: 'member.export',
          target: request.params.id,
        });
        if (request.query.format === 'csv') return csv(reply, 'dados-pessoais.csv', body);
        return reply
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', 'attachment; filename="dados-pessoais.json"')
          .send(body);
      },
    );

    // ------------------------------------------------------------------ floor
    app.get(
      '/api/v1/zones',
      {
        config: { permission: 'ops:equipment' },
        schema: { tags, summary: 'Zones of the unit', response: { 200: List } },
      },
      async () => ({ items: ops.equipment.zones() }),
    );
    app.post(
      '/api/v1/zones',
      {
        config: { permission: 'ops:timetable' },
        schema: {
          tags,
          summary: 'Add a zone',
          body: z.strictObject({
            name: Text(80),
            kind: z.enum(['floor', 'studio', 'pool', 'reception', 'locker_room', 'outdoor']),
            capacity: z.number().int().positive().optional(),
          }),
          response: { 201: Loose },
        },
      },
      async (request, reply) => reply.code(201).send(await ops.equipment.createZone(request.body)),
    );
    app.get(
      '/api/v1/equipment',
      {
        config: { permission: 'ops:equipment' },
        schema: { tags, summary: 'The equipment registry', response: { 200: List } },
      },
      async () => ({ items: ops.equipment.equipment() }),
    );
    app.get(
      '/api/v1/equipment/:id',
      {
        config: { permission: 'ops:equipment' },
        schema: {
          tags,
          summary: 'A machine with its maintenance history',
          params: z.object({ id: idOf('equipment') }),
          response: { 200: Loose },
        },
      },
      async (request) => ops.equipment.get(request.params.id),
    );
    app.post(
      '/api/v1/equipment',
      {
        config: { permission: 'ops:equipment' },
        schema: {
          tags,
          summary: 'Register a machine',
          body: z.strictObject({
            name: Text(80),
            kind: z.enum([
              'treadmill',
              'bike',
              'rower',
              'elliptical',
              'bench',
              'rack',
              'cable',
              'machine',
              'free_weights',
              'other',
            ]),
            zoneId: idOf('zone').optional(),
            serial: Text(80).optional(),
            status: z.enum(['ok', 'maintenance', 'out_of_order']).default('ok'),
          }),
          response: { 201: Loose, ...problemResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const { zoneId, serial, ...rest } = request.body;
        const created = await ops.equipment.createEquipment({
          ...rest,
          ...(zoneId ? { zoneId: zoneId as DocumentId<'zone'> } : {}),
          ...(serial ? { serial } : {}),
        });
        return reply.code(201).send(created);
      },
    );
    app.post(
      '/api/v1/equipment/:id/maintenance',
      {
        config: { permission: 'ops:equipment' },
        schema: {
          tags,
          summary: 'Record an inspection, service, repair, fault or return to service',
          params: z.object({ id: idOf('equipment') }),
          body: z.strictObject({
            kind: z.enum(['inspection', 'service', 'repair', 'fault_reported', 'back_in_service']),
            note: z
              .string()
              .max(500)
              .regex(/^[^\p{Cc}]*$/u)
              .optional(),
            statusAfter: z.enum(['ok', 'maintenance', 'out_of_order']).optional(),
          }),
          response: { 200: Loose, ...problemResponses(400, 404) },
        },
      },
      async (request) => ops.equipment.maintain(request.params.id, request.body, sessionOf(request).actor),
    );
    app.get(
      '/api/v1/alerts',
      {
        config: { permission: 'ops:alerts' },
        schema: { tags, summary: 'The alerts inbox, open ones first', response: { 200: List } },
      },
      async () => ({ items: ops.equipment.alerts() }),
    );
    app.post(
      '/api/v1/alerts/:id/:action',
      {
        config: { permission: 'ops:alerts' },
        schema: {
          tags,
          summary: 'Acknowledge or resolve an alert',
          params: z.object({ id: idOf('alert'), action: z.enum(['acknowledge', 'resolve']) }),
          response: { 200: Loose, ...problemResponses(404) },
        },
      },
      async (request) =>
        ops.equipment.acknowledge(
          request.params.id,
          sessionOf(request).actor,
          request.params.action === 'resolve',
        ),
    );

    // ------------------------------------------------------------------ reports
    app.get(
      '/api/v1/reports/daily',
      {
        config: { permission: 'ops:reports' },
        schema: {
          tags,
          summary: 'The day at a glance',
          querystring: z.strictObject({ date: IsoDate.optional() }),
          response: { 200: Loose },
        },
      },
      async (request) => shaped(Loose, ops.reports.daily(request.query.date)),
    );
    app.get(
      '/api/v1/exports/:name',
      {
        config: { permission: 'ops:export' },
        schema: {
          tags,
          summary: 'CSV exports: members.csv or payments.csv',
          params: z.object({ name: z.enum(['members.csv', 'payments.csv']) }),
        },
      },
      async (request, reply) =>
        csv(
          reply,
          request.params.name,
          request.params.name === 'members.csv' ? ops.reports.membersCsv() : ops.reports.paymentsCsv(),
        ),
    );
  };
}

/** Options of {@link operationsPlugin}. */
export interface OperationsPluginOptions {
  readonly unit: UnitStore;
  readonly unitId: string;
  readonly logger: Logger;
  readonly accounts: AccountDirectory;
  readonly tokens: TokenService;
}

/**
 * The operations capability as one API plugin for the composition root: the services over the unit's
 * store (reading `<unit>/operations.json` and its keys) and their routes.
 */
export function operationsPlugin(options: OperationsPluginOptions): FastifyPluginAsyncZod {
  const operations = createOperations({ unit: options.unit, unitId: options.unitId, logger: options.logger });
  return operationsRoutes({ ...options, operations });
}
