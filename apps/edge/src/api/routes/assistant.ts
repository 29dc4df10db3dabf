import { isDocId } from '@gymedge/crdt-schema';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { INTENTS } from '../../assistant/classifier.ts';
import { type ConversationStore, ConversationStore as Conversations } from '../../assistant/conversations.ts';
import type { AskContext, AssistantEngine, AssistantReply } from '../../assistant/engine.ts';
import type { Logger } from '../../lib/logger.ts';
import { sessionOf } from '../access.ts';
import { can } from '../permissions.ts';
import { forbidden, HttpProblem, problemResponses } from '../problems.ts';
import { WindowCounter } from '../throttle.ts';

/** Anything that answers a message like the offline engine (the engine itself, or the LLM backend with its fallback). */
export interface AssistantResponder {
  handle(...args: Parameters<AssistantEngine['handle']>): Promise<AssistantReply>;
}

/** What the assistant route needs from the composition root. */
export interface AssistantRoutesDeps {
  readonly responder: AssistantResponder;
  readonly conversations?: ConversationStore;
  /**
   * The member a kiosk's serving ticket names (the ticket its check-in returned, valid a few minutes),
   * or undefined: a kiosk acts only for the member it has just checked in, as for the kiosk's own
   * booking routes.
   */
  readonly servedMember: (ticket: string) => string | undefined;
  readonly now?: () => Date;
  readonly logger?: Logger;
  /** Messages one account may send per minute; default 60. */
  readonly messagesPerMinute?: number;
}

const MEMBER_ID = /^member:[0-9A-HJKMNP-TV-Z]{26}$/;

/** The request body. `text` may hold anything (it is cleaned, never stored, never echoed as markup). */
export const AssistantMessageInput = z.strictObject({
  text: z.string().max(4000, 'a message has at most 4,000 characters'),
  locale: z.enum(['pt-BR', 'en']).optional(),
  memberId: z
    .string()
    .regex(MEMBER_ID, 'must be a member id like member:01JD8Q6W0C5V3T2YH4N8K9M7PA')
    .refine((id) => isDocId(id, 'member'), 'must be a member id')
    .optional(),
  conversationId: z.string().uuid().optional(),
  serving: z.string().max(120).optional().describe('a kiosk sends the serving ticket its check-in returned'),
});

const Action = z.object({
  type: z.enum(['book_class', 'cancel_booking', 'handover']),
  status: z.enum(['proposed', 'done', 'refused', 'cancelled', 'failed']),
  sessionId: z.string().optional(),
  classTitle: z.string().optional(),
  date: z.string().optional(),
  time: z.string().optional(),
  memberId: z.string().optional(),
  result: z.string().optional(),
  reason: z.string().optional(),
  ticket: z.string().optional(),
});

const Entities = z
  .object({
    date: z.string().optional(),
    time: z.string().optional(),
    timeAmbiguous: z.boolean().optional(),
    dayPart: z.string().optional(),
    classes: z.array(z.string()).optional(),
    exercises: z.array(z.string()).optional(),
    bodyParts: z.array(z.string()).optional(),
    injuries: z.array(z.string()).optional(),
    goal: z.string().optional(),
    level: z.string().optional(),
    equipment: z.string().optional(),
    daysPerWeek: z.number().optional(),
    numbers: z.array(z.number()).optional(),
  })
  .describe('what the assistant understood in the message');

export const AssistantMessageOutput = z.object({
  reply: z.string(),
  intent: z.enum(INTENTS),
  confidence: z.number(),
  entities: Entities,
  actions: z.array(Action),
  sources: z.array(z.object({ id: z.string(), title: z.string() })),
  conversationId: z.string(),
  locale: z.enum(['pt-BR', 'en']),
  backend: z.enum(['offline', 'llm']).optional(),
});

const KIOSK_HINT = {
  pt: 'Faça o check-in no totem primeiro: depois eu posso reservar e cancelar aulas para você.',
  en: 'Please check in at the kiosk first: then I can book and cancel classes for you.',
};
const STAFF_HINT = {
  pt: 'Para reservar para um aluno, abra o cadastro dele (informe o memberId).',
  en: 'To book for a member, open their record first (send their memberId).',
};
const NO_ACCOUNT_HINT = {
  pt: 'Sua conta não pode reservar aulas por aqui. A recepção pode ajudar.',
  en: 'Your account cannot book classes here. The front desk can help.',
};

/**
 * `POST /api/v1/assistant/messages`. Who the conversation is about and whether the assistant may act
 * comes from the verified session only: a member for themselves, a kiosk for the member it checked in,
 * desk staff for the member they name, a trainer never. The message cannot widen that.
 */
export function assistantRoutes(deps: AssistantRoutesDeps): FastifyPluginAsyncZod {
  const conversations = deps.conversations ?? new Conversations();
  const now = deps.now ?? (() => new Date());
  const budget = new WindowCounter(deps.messagesPerMinute ?? 60, 60_000, () => now().getTime());
  return async (app) => {
    app.post(
      '/api/v1/assistant/messages',
      {
        config: { permission: 'assistant:use' },
        schema: {
          tags: ['assistant'],
          summary: 'Ask the fitness assistant (pt-BR or English)',
          description:
            'Answers a message: exercise technique, nutrition basics, the unit’s hours, plans and rules, classes, bookings (always read back and confirmed in a later turn) and a weekly plan. Conversations are kept in memory for a limited time.',
          body: AssistantMessageInput,
          response: { 200: AssistantMessageOutput, ...problemResponses(400, 401, 403, 413, 415, 429) },
        },
      },
      async (request) => {
        const { actor } = sessionOf(request);
        const wait = budget.take(actor.id);
        if (wait > 0) {
          const seconds = Math.ceil(wait / 1000);
          throw new HttpProblem(429, `Too many messages. Please wait ${seconds} seconds and try again.`, {
            headers: { 'retry-after': String(seconds) },
          });
        }
        const body = request.body;
        const at = now();
        let memberId: string | undefined;
        let mayAct = false;
        let hint = NO_ACCOUNT_HINT;
        if (actor.role === 'member') {
          if (body.memberId !== undefined && body.memberId !== actor.memberId)
            throw forbidden('A member may talk to the assistant only about themselves.');
          memberId = actor.memberId;
          mayAct = memberId !== undefined;
        } else if (actor.role === 'kiosk') {
          // Without a valid ticket the kiosk still answers general questions, about nobody in particular.
          if (
            body.memberId !== undefined &&
            body.serving !== undefined &&
            deps.servedMember(body.serving) === body.memberId
          ) {
            memberId = body.memberId;
            mayAct = true;
          }
          hint = KIOSK_HINT;
        } else if (can(actor.role, 'assistant:act-for-members')) {
          memberId = body.memberId;
          mayAct = memberId !== undefined;
          hint = STAFF_HINT;
        }
        const conversation = conversations.open(
          body.conversationId,
          actor.id,
          memberId,
          body.locale ?? 'pt-BR',
        );
        const context: AskContext = {
          now: at,
          actorId: actor.id,
          actorRole: actor.role,
          ...(memberId === undefined ? {} : { memberId }),
          mayAct,
          ...(body.locale === undefined ? {} : { locale: body.locale }),
          notAllowedHint: hint,
        };
        const reply = await deps.responder.handle(body.text, context, conversation);
        conversations.remember(conversation, { role: 'user', text: body.text });
        conversations.remember(conversation, { role: 'assistant', text: reply.reply });
        deps.logger?.debug(
          {
            intent: reply.intent,
            confidence: reply.confidence,
            actions: reply.actions.map((a) => `${a.type}:${a.status}`),
          },
          'assistant reply',
        );
        return { ...reply, conversationId: conversation.id };
      },
    );
  };
}
