import { localDate, zonedToUtc } from '../domain/time.ts';
import { type Classification, type Intent, IntentClassifier } from './classifier.ts';
import { conceptsOf, DEFAULT_CLASS_NAMES } from './concepts.ts';
import type {
  Conversation,
  Pending,
  PendingConfirmation,
  PendingPlan,
  PendingSlots,
} from './conversations.ts';
import { type Entities, extractEntities } from './entities.ts';
import type { KnowledgeEntry } from './knowledge.ts';
import { CONCEPTS, type Lexicon, matchLexicon } from './lexicon.ts';
import { detectLocale, fold, type Locale, sanitize } from './normalize.ts';
import type {
  ActingAccount,
  BookingOutcome,
  BookingPort,
  GymInfoSource,
  HandoverPort,
  ScheduleSource,
  SessionView,
} from './ports.ts';
import { KnowledgeIndex } from './retrieval.ts';
import { TRAINING_EXAMPLES } from './training.ts';
import { buildWeeklyPlan, type PlanRequest } from './workout-plan.ts';

/** Something the assistant did or proposes, as the API reports it. */
export interface AssistantAction {
  readonly type: 'book_class' | 'cancel_booking' | 'handover';
  /** `proposed`: read back, waiting for a yes; `done`; `refused` (not allowed or a rule said no); `cancelled` by the member; `failed`. */
  readonly status: 'proposed' | 'done' | 'refused' | 'cancelled' | 'failed';
  readonly sessionId?: string;
  readonly classTitle?: string;
  readonly date?: string;
  readonly time?: string;
  readonly memberId?: string;
  readonly result?: string;
  readonly reason?: string;
  readonly ticket?: string;
}

/** A cited source: a knowledge-base entry or a piece of the unit's own data. */
export interface Source {
  readonly id: string;
  readonly title: string;
}

/** The engine's answer to one message. */
export interface AssistantReply {
  readonly reply: string;
  readonly intent: Intent;
  readonly confidence: number;
  readonly entities: Entities;
  readonly actions: AssistantAction[];
  readonly sources: Source[];
  readonly locale: Locale;
}

/** Who is asking, decided by the API from the verified session (never from the message). */
export interface AskContext {
  readonly now: Date;
  readonly actorId: string;
  /** The caller's role, for the audit trail of what the assistant does. */
  readonly actorRole?: ActingAccount['role'];
  /** The member this conversation is about, when the caller may see them. */
  readonly memberId?: string;
  /** Whether the caller may book and cancel for `memberId` (member themselves, kiosk after check-in, desk staff). */
  readonly mayAct: boolean;
  /** Explicit locale of the request; otherwise detected from the text. */
  readonly locale?: Locale;
  /** Why the caller may not act, shown when they try (e.g. "check in first"). */
  readonly notAllowedHint?: { readonly pt: string; readonly en: string };
}

/** The ports the engine reads and acts through. */
export interface EngineDeps {
  readonly schedule: ScheduleSource;
  readonly bookings: BookingPort;
  readonly gym: GymInfoSource;
  readonly handover?: HandoverPort;
}

let sharedModel: IntentClassifier | undefined;

/** The intent model trained on the project's examples, once per process (about half a second). */
export function defaultClassifier(): IntentClassifier {
  sharedModel ??= IntentClassifier.train(TRAINING_EXAMPLES, { concepts: (text) => conceptsOf(text) });
  return sharedModel;
}

const DAYS_PT = ['domingo', 'segunda', 'terça', 'quarta', 'quinta', 'sexta', 'sábado'];
const DAYS_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const WEEK_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

function tr(locale: Locale, pt: string, en: string): string {
  return locale === 'en' ? en : pt;
}

function weekdayOf(date: string): number {
  return new Date(`${date}T12:00:00Z`).getUTCDay();
}

function dayLabel(locale: Locale, date: string, today: string): string {
  const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const dm = `${date.slice(8, 10)}/${date.slice(5, 7)}`;
  if (date === today) return tr(locale, `hoje (${dm})`, `today (${dm})`);
  if (date === tomorrow) return tr(locale, `amanhã (${dm})`, `tomorrow (${dm})`);
  return locale === 'en' ? `${DAYS_EN[weekdayOf(date)]} ${dm}` : `${DAYS_PT[weekdayOf(date)]} (${dm})`;
}

function money(cents: number, locale: Locale): string {
  return new Intl.NumberFormat(locale === 'en' ? 'en-US' : 'pt-BR', {
    style: 'currency',
    currency: 'BRL',
  }).format(cents / 100);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Spellings of a class name: the folded name, its first word when distinctive, and known aliases. */
function classLexicon(names: readonly string[]): Lexicon {
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const key = fold(name);
    if (key.length === 0) continue;
    const spellings = new Set([key, ...(DEFAULT_CLASS_NAMES[key] ?? [])]);
    const first = key.split(' ')[0] ?? '';
    if (first.length >= 4 && names.filter((n) => fold(n).startsWith(first)).length === 1)
      spellings.add(first);
    out[key] = [...spellings];
  }
  return out;
}

function describeSession(locale: Locale, s: SessionView, today: string): string {
  const free = Math.max(0, s.capacity - s.booked);
  const room = s.room ? tr(locale, `, ${s.room}`, `, ${s.room}`) : '';
  const spots =
    s.status === 'cancelled'
      ? tr(locale, 'cancelada', 'cancelled')
      : free > 0
        ? tr(locale, `${free} vaga${free === 1 ? '' : 's'}`, `${free} spot${free === 1 ? '' : 's'} left`)
        : tr(locale, `lotada, lista de espera: ${s.waitlisted}`, `full, waitlist: ${s.waitlisted}`);
  return `${s.title} — ${dayLabel(locale, s.localDate, today)} ${s.localTime}${room} (${spots})`;
}

const REFUSALS: Record<Exclude<BookingOutcome, { ok: true }>['reason'], { pt: string; en: string }> = {
  not_found: { pt: 'não encontrei essa aula.', en: 'I could not find that class.' },
  session_cancelled: { pt: 'essa aula foi cancelada.', en: 'that class was cancelled.' },
  session_started: {
    pt: 'essa aula já começou ou as reservas fecharam.',
    en: 'that class has started or booking has closed.',
  },
  not_open_yet: {
    pt: 'as reservas para essa aula ainda não abriram.',
    en: 'booking for that class is not open yet.',
  },
  already_booked: { pt: 'você já tem reserva nessa aula.', en: 'you are already booked in that class.' },
  already_waitlisted: {
    pt: 'você já está na lista de espera dessa aula.',
    en: 'you are already on the waitlist for that class.',
  },
  not_booked: { pt: 'você não tem reserva nessa aula.', en: 'you have no booking in that class.' },
  full: { pt: 'a aula está lotada.', en: 'the class is full.' },
  no_credits: {
    pt: 'seu plano não tem mais créditos de aula neste período.',
    en: 'your plan has no class credits left this period.',
  },
  no_active_plan: {
    pt: 'não encontrei um plano ativo para hoje. A recepção pode ajudar.',
    en: 'I found no active plan for today. The front desk can help.',
  },
  blocked_no_shows: {
    pt: 'as reservas estão bloqueadas por faltas recentes. A recepção pode ajudar.',
    en: 'bookings are blocked after recent no-shows. The front desk can help.',
  },
  error: {
    pt: 'algo deu errado ao salvar. Tente de novo ou fale com a recepção.',
    en: 'something went wrong while saving. Please try again or ask the front desk.',
  },
};

/**
 * The offline assistant: classifies, extracts, retrieves and keeps the dialogue (slot filling, a read-back
 * confirmation before any booking or cancellation). It never acts on a message alone: an action runs only
 * on a "yes" to a read-back made in an earlier turn of the same conversation, for the member the API
 * says the caller may act for.
 */
export class AssistantEngine {
  readonly #deps: EngineDeps;
  #model: IntentClassifier | undefined;
  readonly #index: KnowledgeIndex;
  #classNames: { names: readonly string[]; lexicon: Lexicon } | undefined;

  constructor(deps: EngineDeps, options: { model?: IntentClassifier; index?: KnowledgeIndex } = {}) {
    this.#deps = deps;
    // Trained on first use, not at start-up: a unit starts as fast as before; the first message pays ~1 s.
    this.#model = options.model;
    this.#index = options.index ?? new KnowledgeIndex();
  }

  get knowledge(): KnowledgeIndex {
    return this.#index;
  }

  /** The ports, for another backend's tools (the LLM backend reads through the same ones). */
  get deps(): EngineDeps {
    return this.#deps;
  }

  /**
   * Reads back a booking or cancellation of one session and waits for a yes, exactly as when the offline
   * dialogue gets there: the LLM backend's tools end here, so they follow the same confirmation rule.
   */
  propose(
    kind: 'book' | 'cancel',
    sessionId: string,
    context: AskContext,
    conversation: Conversation,
    locale: Locale,
  ): AssistantReply {
    const slots: PendingSlots = { kind, options: [sessionId] };
    conversation.pending = slots;
    const reply = this.#slots(slots, context, conversation, locale, {
      intent: kind === 'book' ? 'book_class' : 'cancel_booking',
      confidence: 1,
      entities: {},
      locale,
    });
    if ((conversation.pending as Pending | undefined)?.kind !== 'confirm') conversation.pending = undefined;
    return reply;
  }

  /** Classification and entities of a message without acting (evaluation, the LLM backend's grounding). */
  understand(text: string, now: Date): { classification: Classification; entities: Entities; clean: string } {
    const clean = sanitize(text);
    const info = this.#deps.gym.info();
    const names = this.#deps.schedule.classNames();
    if (this.#classNames?.names !== names) this.#classNames = { names, lexicon: classLexicon(names) };
    const classNames = this.#classNames.lexicon;
    const entities = extractEntities(clean, { now, timeZone: info.timeZone, classNames });
    this.#model ??= defaultClassifier();
    let classification = this.#model.classify(clean);
    // A sign of an emergency always wins, whatever the model thought.
    if (matchLexicon(clean, { e: CONCEPTS.emergency ?? [] }).length > 0) {
      classification = {
        ...classification,
        intent: 'emergency',
        confidence: Math.max(classification.confidence, 0.9),
      };
    }
    return { classification, entities, clean };
  }

  /** Answers one message within a conversation (which it updates: pending slots, confirmation). */
  async handle(text: string, context: AskContext, conversation: Conversation): Promise<AssistantReply> {
    const { classification, entities, clean } = this.understand(text, context.now);
    const folded = fold(clean);
    const locale =
      context.locale ??
      (folded.length === 0 ? conversation.locale : detectLocale(folded, conversation.locale));
    conversation.locale = locale;
    const base = {
      intent: classification.intent,
      confidence: round(classification.confidence),
      entities,
      locale,
    };
    if (folded.length === 0) {
      return {
        ...base,
        intent: 'out_of_scope',
        confidence: 0,
        reply: tr(
          locale,
          'Não recebi nenhuma pergunta. Como posso ajudar?',
          'I did not get a question. How can I help?',
        ),
        actions: [],
        sources: [],
      };
    }
    const pending = conversation.pending;
    if (classification.intent === 'emergency') {
      conversation.pending = undefined;
      return this.#emergency(clean, context, locale, base);
    }
    if (pending?.kind === 'confirm') {
      conversation.pending = undefined;
      if (classification.intent === 'confirm') return this.#execute(pending, context, locale, base);
      const cancelled: AssistantAction = {
        type: pending.action === 'book' ? 'book_class' : 'cancel_booking',
        status: 'cancelled',
        sessionId: pending.sessionId,
        classTitle: pending.title,
        date: pending.localDate,
        time: pending.localTime,
      };
      if (classification.intent === 'deny') {
        return {
          ...base,
          reply: tr(
            locale,
            'Tudo bem, não fiz nada. Posso ajudar em algo mais?',
            'All right, I did nothing. Anything else?',
          ),
          actions: [cancelled],
          sources: [],
        };
      }
      const next = await this.#route(classification, entities, clean, context, conversation, locale, base);
      return { ...next, actions: [cancelled, ...next.actions] };
    }
    if (pending?.kind === 'book' || pending?.kind === 'cancel') {
      if (classification.intent === 'deny') {
        conversation.pending = undefined;
        return {
          ...base,
          reply: tr(locale, 'Ok, deixei pra lá.', 'OK, dropped it.'),
          actions: [],
          sources: [],
        };
      }
      const choice = pickOption(folded, pending.options);
      const fills = choice !== undefined || hasSlotEntities(entities);
      const switching =
        !fills &&
        classification.intent !== 'out_of_scope' &&
        classification.intent !== 'confirm' &&
        classification.intent !== (pending.kind === 'book' ? 'book_class' : 'cancel_booking');
      if (!switching) {
        mergeSlots(pending, entities);
        if (choice !== undefined) pending.options = [choice];
        return this.#slots(pending, context, conversation, locale, {
          ...base,
          intent: pending.kind === 'book' ? 'book_class' : 'cancel_booking',
        });
      }
      conversation.pending = undefined;
    }
    if (
      pending?.kind === 'plan' &&
      (classification.intent === 'out_of_scope' ||
        hasPlanEntities(entities) ||
        classification.intent === 'workout_plan')
    ) {
      conversation.pending = undefined;
      return this.#plan(pending, entities, locale, { ...base, intent: 'workout_plan' }, conversation, true);
    }
    if (pending?.kind === 'plan') conversation.pending = undefined;
    return this.#route(classification, entities, clean, context, conversation, locale, base);
  }

  async #route(
    classification: Classification,
    entities: Entities,
    clean: string,
    context: AskContext,
    conversation: Conversation,
    locale: Locale,
    base: Base,
  ): Promise<AssistantReply> {
    switch (classification.intent) {
      case 'smalltalk':
        return this.#smalltalk(clean, locale, base);
      case 'confirm':
      case 'deny':
        return {
          ...base,
          reply: tr(
            locale,
            'Não há nada esperando confirmação agora. Em que posso ajudar?',
            'There is nothing waiting for a confirmation. How can I help?',
          ),
          actions: [],
          sources: [],
        };
      case 'exercise_technique':
        return this.#technique(clean, entities, locale, base);
      case 'nutrition':
        return this.#nutrition(clean, locale, base);
      case 'medical':
        return this.#medical(locale, base);
      case 'emergency':
        return this.#emergency(clean, context, locale, base);
      case 'gym_hours':
        return this.#hours(entities, context, locale, base);
      case 'gym_plans':
        return this.#plans(locale, base);
      case 'gym_rules':
        return this.#rules(clean, locale, base);
      case 'class_schedule':
        return this.#schedule(entities, context, locale, base, clean);
      case 'book_class':
      case 'cancel_booking': {
        const slots: PendingSlots = { kind: classification.intent === 'book_class' ? 'book' : 'cancel' };
        mergeSlots(slots, entities);
        conversation.pending = slots;
        return this.#slots(slots, context, conversation, locale, base);
      }
      case 'my_status':
        return this.#status(context, locale, base);
      case 'workout_plan':
        return this.#plan({ kind: 'plan' }, entities, locale, base, conversation, false);
      case 'handover':
        return this.#handover(clean, context, locale, base);
      default:
        return {
          ...base,
          intent: 'out_of_scope',
          reply: tr(
            locale,
            'Desculpe, isso foge do que eu sei. Posso ajudar com exercícios, alimentação e hidratação, horários, planos, regras da academia, aulas e reservas, ou chamar alguém da equipe.',
            'Sorry, that is outside what I know. I can help with exercises, nutrition and hydration, opening hours, plans, house rules, classes and bookings, or call a staff member.',
          ),
          actions: [],
          sources: [],
        };
    }
  }

  #today(now: Date): string {
    return localDate(now, this.#deps.gym.info().timeZone);
  }

  #smalltalk(clean: string, locale: Locale, base: Base): AssistantReply {
    const f = fold(clean);
    const name = this.#deps.gym.info().name;
    let reply: string;
    if (/\b(obrigad|valeu|brigad|thank|thanks|cheers|agradec|appreciat)/.test(f))
      reply = tr(locale, 'Por nada! Bom treino! 💪', 'You are welcome! Have a great workout! 💪');
    else if (/\b(tchau|ate logo|ate mais|falou|bye|see you|see ya|ate a proxima|ate amanha|goodbye)/.test(f))
      reply = tr(locale, 'Até logo! Bom treino!', 'See you! Have a good workout!');
    else if (/\b(quem|who|robo|bot|nome|name|faz|fazer|do|help|ajudar)\b/.test(f))
      reply = tr(
        locale,
        `Sou o assistente da ${name}. Explico exercícios, dou orientações gerais de alimentação e hidratação, informo horários, planos e regras, mostro as aulas, faço e cancelo reservas (sempre confirmando com você) e monto um treino semanal.`,
        `I am ${name}'s assistant. I explain exercises, give general nutrition and hydration tips, tell you opening hours, plans and rules, show classes, book and cancel them (always confirming with you) and build a weekly workout plan.`,
      );
    else
      reply = tr(
        locale,
        `Olá! Sou o assistente da ${name}. Como posso ajudar?`,
        `Hi! I am ${name}'s assistant. How can I help?`,
      );
    return { ...base, reply, actions: [], sources: [] };
  }

  #cite(entries: readonly KnowledgeEntry[], locale: Locale): Source[] {
    return entries.map((entry) => ({
      id: entry.id,
      title: locale === 'en' ? entry.title.en : entry.title.pt,
    }));
  }

  #technique(clean: string, entities: Entities, locale: Locale, base: Base): AssistantReply {
    const entries: KnowledgeEntry[] = [];
    for (const exercise of entities.exercises ?? []) {
      const entry = this.#index.exercise(exercise);
      if (entry !== undefined) entries.push(entry);
    }
    let reply: string;
    if (
      entries.length === 0 &&
      (entities.bodyParts?.length ?? 0) > 0 &&
      (entities.injuries?.length ?? 0) === 0
    ) {
      const part = entities.bodyParts?.[0] ?? '';
      const training = this.#index.training(part).slice(0, 4);
      if (training.length > 0) {
        const names = training.map((e) => (locale === 'en' ? e.title.en : e.title.pt)).join(', ');
        reply = tr(
          locale,
          `Bons exercícios para essa região: ${names}. Quer a técnica de algum deles? Pergunte, por exemplo, "como fazer ${training[0]?.title.pt.toLowerCase()}".`,
          `Good exercises for that area: ${names}. Want the technique of one? Ask e.g. "how to do a ${training[0]?.title.en.toLowerCase()}".`,
        );
        return { ...base, reply, actions: [], sources: this.#cite(training, locale) };
      }
    }
    if (entries.length === 0) entries.push(...this.#index.search(clean, ['exercise'], 1).map((h) => h.entry));
    if (entries.length === 0) {
      return {
        ...base,
        reply: tr(
          locale,
          'Não tenho uma ficha desse exercício. O professor da sala pode mostrar a execução ao vivo.',
          'I have no sheet for that exercise. The floor instructor can show you in person.',
        ),
        actions: [],
        sources: [],
      };
    }
    const body = entries
      .slice(0, 2)
      .map(
        (e) =>
          `${locale === 'en' ? e.title.en : e.title.pt}: ${locale === 'en' ? e.text.en : e.text.pt} [${e.id}]`,
      )
      .join('\n\n');
    const caution =
      (entities.injuries?.length ?? 0) > 0
        ? tr(
            locale,
            '\n\nSe sente dor durante o exercício, pare e peça ao professor para ver sua execução; dor que persiste é assunto para um médico ou fisioterapeuta.',
            '\n\nIf it hurts during the exercise, stop and ask the instructor to check your form; pain that persists is one for a doctor or physiotherapist.',
          )
        : '';
    return { ...base, reply: body + caution, actions: [], sources: this.#cite(entries.slice(0, 2), locale) };
  }

  #nutrition(clean: string, locale: Locale, base: Base): AssistantReply {
    const hits = this.#index.search(clean, ['nutrition'], 2).filter((h, i) => i === 0 || h.score > 3);
    if (hits.length === 0) return this.#medical(locale, base);
    const body = hits
      .map(
        (h) =>
          `${locale === 'en' ? h.entry.title.en : h.entry.title.pt}: ${locale === 'en' ? h.entry.text.en : h.entry.text.pt} [${h.entry.id}]`,
      )
      .join('\n\n');
    const note = tr(
      locale,
      '\n\nOrientação geral; para um plano alimentar individual, procure um nutricionista.',
      '\n\nGeneral guidance; for an individual meal plan, see a dietitian.',
    );
    return {
      ...base,
      reply: body + note,
      actions: [],
      sources: this.#cite(
        hits.map((h) => h.entry),
        locale,
      ),
    };
  }

  #contact(locale: Locale): string {
    const info = this.#deps.gym.info();
    return info.contact
      ? tr(locale, ` Contato da ${info.name}: ${info.contact}.`, ` ${info.name} contact: ${info.contact}.`)
      : tr(
          locale,
          ' A recepção pode ajudar a encontrar um profissional.',
          ' The front desk can help you find a professional.',
        );
  }

  #medical(locale: Locale, base: Base): AssistantReply {
    return {
      ...base,
      reply:
        tr(
          locale,
          'Isso é uma questão de saúde, e eu não posso dar orientação médica. Fale com um médico, fisioterapeuta ou nutricionista antes de treinar ou mudar sua dieta, e avise o professor sobre sua condição.',
          'That is a health question, and I cannot give medical advice. Please talk to a doctor, physiotherapist or dietitian before training or changing your diet, and tell the instructor about your condition.',
        ) + this.#contact(locale),
      actions: [],
      sources: [
        {
          id: 'policy.medical',
          title: tr(
            locale,
            'Política: saúde e orientação profissional',
            'Policy: health and professional advice',
          ),
        },
      ],
    };
  }

  async #emergency(clean: string, context: AskContext, locale: Locale, base: Base): Promise<AssistantReply> {
    const first = tr(
      locale,
      'EMERGÊNCIA: pare o exercício agora e sente-se ou deite-se. Ligue 192 (SAMU) ou 193 (Bombeiros). Peça ajuda a quem estiver perto: a equipe tem treinamento de primeiros socorros e sabe onde está o desfibrilador (DEA).',
      'EMERGENCY: stop exercising now and sit or lie down. Call 192 (SAMU ambulance) or 193 (fire brigade). Ask anyone nearby for help: staff are first-aid trained and know where the defibrillator (AED) is.',
    );
    const actions: AssistantAction[] = [];
    if (this.#deps.handover) {
      try {
        const { ticket } = await this.#deps.handover.request({
          actorId: context.actorId,
          ...(context.memberId ? { memberId: context.memberId } : {}),
          text: `EMERGENCY: ${clean.slice(0, 300)}`,
          locale,
        });
        actions.push({ type: 'handover', status: 'done', ticket, reason: 'emergency' });
      } catch {
        actions.push({ type: 'handover', status: 'failed', reason: 'emergency' });
      }
    }
    const staff = actions.some((a) => a.status === 'done')
      ? tr(locale, ' Já avisei a equipe.', ' I have alerted the staff.')
      : '';
    return {
      ...base,
      intent: 'emergency',
      reply: first + staff,
      actions,
      sources: [
        { id: 'policy.emergency', title: tr(locale, 'Política: emergências', 'Policy: emergencies') },
      ],
    };
  }

  #hours(entities: Entities, context: AskContext, locale: Locale, base: Base): AssistantReply {
    const info = this.#deps.gym.info();
    const hours = info.openingHours;
    const source = {
      id: 'unit.openingHours',
      title: tr(locale, `Horário de funcionamento — ${info.name}`, `Opening hours — ${info.name}`),
    };
    if (hours === undefined || Object.keys(hours).length === 0) {
      return {
        ...base,
        reply: tr(
          locale,
          'Não tenho o horário desta unidade cadastrado. A recepção pode informar.',
          'This unit has no opening hours on file. The front desk can tell you.',
        ),
        actions: [],
        sources: [],
      };
    }
    const today = this.#today(context.now);
    const describe = (date: string): string => {
      const day = weekdayOf(date);
      const h = hours[WEEK_KEYS[day] ?? 'mon'];
      const label = dayLabel(locale, date, today);
      return h
        ? tr(locale, `${label}: das ${h.opens} às ${h.closes}`, `${label}: ${h.opens}–${h.closes}`)
        : tr(locale, `${label}: fechado`, `${label}: closed`);
    };
    if (entities.date !== undefined) {
      return { ...base, reply: `${info.name} — ${describe(entities.date)}.`, actions: [], sources: [source] };
    }
    const lines = [1, 2, 3, 4, 5, 6, 0].map((d) => {
      const h = hours[WEEK_KEYS[d] ?? 'mon'];
      const name = locale === 'en' ? DAYS_EN[d] : DAYS_PT[d];
      return `• ${name}: ${h ? `${h.opens}–${h.closes}` : tr(locale, 'fechado', 'closed')}`;
    });
    const holiday = tr(
      locale,
      '\nEm feriados o horário pode mudar: confirme na recepção.',
      '\nOn public holidays hours may change: check at the front desk.',
    );
    return {
      ...base,
      reply: `${tr(locale, 'Horário', 'Opening hours')} — ${info.name}:\n${lines.join('\n')}${holiday}\n${tr(locale, 'Hoje', 'Today')}: ${describe(today)}.`,
      actions: [],
      sources: [source],
    };
  }

  #plans(locale: Locale, base: Base): AssistantReply {
    const info = this.#deps.gym.info();
    if (info.plans.length === 0)
      return {
        ...base,
        reply: tr(
          locale,
          'Não há planos cadastrados. A recepção pode informar.',
          'No plans are on file. The front desk can tell you.',
        ),
        actions: [],
        sources: [],
      };
    const period: Record<string, [string, string]> = {
      monthly: ['mês', 'month'],
      quarterly: ['trimestre', 'quarter'],
      semiannual: ['semestre', 'half-year'],
      annual: ['ano', 'year'],
    };
    const lines = info.plans.map((p) => {
      const [pt, en] = period[p.billingPeriod] ?? [p.billingPeriod, p.billingPeriod];
      const access =
        p.access === 'all'
          ? tr(locale, 'todas as unidades', 'all units')
          : tr(locale, 'só esta unidade', 'this unit only');
      const credits =
        p.classCredits === undefined
          ? ''
          : tr(locale, `, ${p.classCredits} aulas`, `, ${p.classCredits} classes`);
      return `• ${p.name}: ${money(p.priceCents, locale)}/${tr(locale, pt, en)} (${access}${credits})`;
    });
    return {
      ...base,
      reply: `${tr(locale, 'Planos', 'Plans')} — ${info.name}:\n${lines.join('\n')}\n${tr(locale, 'Para contratar ou trocar de plano, fale com a recepção.', 'To join or change plans, talk to the front desk.')}`,
      actions: [],
      sources: [
        { id: 'unit.plans', title: tr(locale, 'Planos e preços da unidade', 'Plans and prices of the unit') },
      ],
    };
  }

  #rules(clean: string, locale: Locale, base: Base): AssistantReply {
    const hits = this.#index.search(clean, ['faq'], 2).filter((h, i) => i === 0 || h.score > 3);
    if (hits.length === 0) {
      return {
        ...base,
        reply:
          tr(
            locale,
            'Não encontrei essa regra. A recepção pode esclarecer.',
            'I could not find that rule. The front desk can tell you.',
          ) + this.#contact(locale),
        actions: [],
        sources: [],
      };
    }
    const body = hits
      .map((h) => `${locale === 'en' ? h.entry.text.en : h.entry.text.pt} [${h.entry.id}]`)
      .join('\n\n');
    return {
      ...base,
      reply: body,
      actions: [],
      sources: this.#cite(
        hits.map((h) => h.entry),
        locale,
      ),
    };
  }

  /** Sessions matching what was said, from now on. */
  #candidates(
    slots: {
      classes?: string[];
      date?: string;
      time?: string;
      timeAmbiguous?: boolean;
      dayPart?: Entities['dayPart'];
    },
    now: Date,
    days = 7,
  ): SessionView[] {
    const zone = this.#deps.gym.info().timeZone;
    const today = this.#today(now);
    const from = slots.date !== undefined ? zonedToUtc(slots.date, '00:00', zone) : now.toISOString();
    const to =
      slots.date !== undefined
        ? zonedToUtc(addDays(slots.date, 1), '00:00', zone)
        : zonedToUtc(addDays(today, days), '00:00', zone);
    const nowIso = now.toISOString();
    return this.#deps.schedule
      .sessions(laterOf(from, nowIso), to)
      .filter((s) => s.status === 'scheduled')
      .filter(
        (s) =>
          slots.classes === undefined || slots.classes.length === 0 || slots.classes.includes(fold(s.title)),
      )
      .filter((s) => matchesTime(s, slots));
  }

  #schedule(
    entities: Entities,
    context: AskContext,
    locale: Locale,
    base: Base,
    clean: string,
  ): AssistantReply {
    const today = this.#today(context.now);
    const next = /\b(proxima|proximo|next|quando)\b/.test(fold(clean));
    const slots = {
      ...entities,
      ...(entities.date === undefined && !next && entities.classes === undefined ? { date: today } : {}),
    };
    const sessions = this.#candidates(slots, context.now);
    const shown = next && entities.date === undefined ? sessions.slice(0, 3) : sessions.slice(0, 12);
    const source = {
      id: `schedule:${slots.date ?? today}`,
      title: tr(locale, 'Grade de aulas da unidade', 'Class timetable of the unit'),
    };
    if (shown.length === 0) {
      return {
        ...base,
        reply: tr(
          locale,
          'Não encontrei aulas com esses critérios. Quer ver a grade de outro dia?',
          'I found no classes matching that. Want to see another day?',
        ),
        actions: [],
        sources: [source],
      };
    }
    const head =
      slots.date !== undefined
        ? tr(
            locale,
            `Aulas de ${dayLabel(locale, slots.date, today)}:`,
            `Classes ${dayLabel(locale, slots.date, today)}:`,
          )
        : tr(locale, 'Próximas aulas:', 'Next classes:');
    const more =
      sessions.length > shown.length
        ? tr(
            locale,
            `\n…e mais ${sessions.length - shown.length}.`,
            `\n…and ${sessions.length - shown.length} more.`,
          )
        : '';
    const tip =
      tr(locale, '\nPara reservar, diga por exemplo "me coloca no', '\nTo book, say e.g. "book me into') +
      ` ${shown[0]?.title} ${shown[0]?.localTime}".`;
    return {
      ...base,
      reply: `${head}\n${shown.map((s) => `• ${describeSession(locale, s, today)}`).join('\n')}${more}${tip}`,
      actions: [],
      sources: [source],
    };
  }

  #notAllowed(
    context: AskContext,
    locale: Locale,
    base: Base,
    type: AssistantAction['type'],
  ): AssistantReply {
    const hint = context.notAllowedHint ?? {
      pt: 'Para reservar ou cancelar, entre com a sua conta ou faça o check-in no totem.',
      en: 'To book or cancel, sign in to your account or check in at the kiosk.',
    };
    return {
      ...base,
      reply: tr(locale, hint.pt, hint.en),
      actions: [{ type, status: 'refused', reason: 'not_authorised' }],
      sources: [],
    };
  }

  #slots(
    slots: PendingSlots,
    context: AskContext,
    conversation: Conversation,
    locale: Locale,
    base: Base,
  ): AssistantReply {
    const type = slots.kind === 'book' ? 'book_class' : 'cancel_booking';
    if (!context.mayAct || context.memberId === undefined) {
      conversation.pending = undefined;
      return this.#notAllowed(context, locale, base, type);
    }
    const today = this.#today(context.now);
    let candidates: SessionView[];
    if (slots.kind === 'book') {
      if (slots.options?.length === 1) {
        candidates = this.#candidates({}, context.now, 14).filter((s) => s.id === slots.options?.[0]);
      } else {
        if ((slots.classes?.length ?? 0) === 0) {
          const names = this.#deps.schedule.classNames().slice(0, 12).join(', ');
          return {
            ...base,
            reply: tr(
              locale,
              `Qual aula você quer reservar? Temos: ${names}.`,
              `Which class would you like to book? We have: ${names}.`,
            ),
            actions: [],
            sources: [],
          };
        }
        candidates = this.#candidates(slots, context.now);
        if (
          candidates.length > 1 &&
          slots.date === undefined &&
          slots.time === undefined &&
          slots.dayPart === undefined &&
          slots.options === undefined
        ) {
          slots.options = candidates.slice(0, 6).map((s) => s.id);
          const list = candidates
            .slice(0, 6)
            .map((s, i) => `${i + 1}. ${describeSession(locale, s, today)}`)
            .join('\n');
          return {
            ...base,
            reply: tr(
              locale,
              `Para qual dia e horário? Próximas opções:\n${list}\nResponda com o número ou o dia e a hora.`,
              `Which day and time? Next options:\n${list}\nReply with the number or the day and time.`,
            ),
            actions: [],
            sources: [],
          };
        }
      }
    } else {
      const mine = this.#deps.bookings.bookingsOf(context.memberId, context.now.toISOString());
      candidates = mine
        .map((b) => b.session)
        .filter((s) => (slots.options?.length === 1 ? s.id === slots.options[0] : true))
        .filter(
          (s) =>
            slots.options?.length === 1 ||
            slots.classes === undefined ||
            slots.classes.length === 0 ||
            slots.classes.includes(fold(s.title)),
        )
        .filter((s) => slots.options?.length === 1 || slots.date === undefined || s.localDate === slots.date)
        .filter((s) => slots.options?.length === 1 || matchesTime(s, slots));
      if (mine.length === 0) {
        conversation.pending = undefined;
        return {
          ...base,
          reply: tr(
            locale,
            'Você não tem nenhuma reserva futura para cancelar.',
            'You have no upcoming bookings to cancel.',
          ),
          actions: [],
          sources: [],
        };
      }
    }
    if (candidates.length === 0) {
      const what = slots.classes?.[0];
      const alternatives =
        slots.kind === 'book'
          ? this.#candidates({ ...(slots.classes ? { classes: slots.classes } : {}) }, context.now).slice(
              0,
              5,
            )
          : this.#deps.bookings
              .bookingsOf(context.memberId, context.now.toISOString())
              .map((b) => b.session)
              .slice(0, 5);
      slots.options = alternatives.map((s) => s.id);
      slots.date = undefined;
      slots.time = undefined;
      slots.dayPart = undefined;
      slots.timeAmbiguous = undefined;
      if (alternatives.length === 0) {
        conversation.pending = undefined;
        return {
          ...base,
          reply: tr(
            locale,
            `Não encontrei ${what ?? 'essa aula'} nos próximos dias.`,
            `I found no ${what ?? 'such class'} in the coming days.`,
          ),
          actions: [],
          sources: [],
        };
      }
      const list = alternatives.map((s, i) => `${i + 1}. ${describeSession(locale, s, today)}`).join('\n');
      return {
        ...base,
        reply:
          slots.kind === 'book'
            ? tr(
                locale,
                `Não encontrei essa aula nesse dia e horário. Opções:\n${list}\nQual delas?`,
                `I found no class at that day and time. Options:\n${list}\nWhich one?`,
              )
            : tr(
                locale,
                `Não achei essa reserva. Suas reservas:\n${list}\nQual delas quer cancelar?`,
                `I could not find that booking. Your bookings:\n${list}\nWhich one should I cancel?`,
              ),
        actions: [],
        sources: [],
      };
    }
    if (candidates.length > 1) {
      slots.options = candidates.slice(0, 6).map((s) => s.id);
      const list = candidates
        .slice(0, 6)
        .map((s, i) => `${i + 1}. ${describeSession(locale, s, today)}`)
        .join('\n');
      return {
        ...base,
        reply:
          slots.kind === 'cancel'
            ? tr(
                locale,
                `Qual reserva quer cancelar? (cancelo uma de cada vez)\n${list}`,
                `Which booking should I cancel? (one at a time)\n${list}`,
              )
            : tr(
                locale,
                `Encontrei mais de uma opção:\n${list}\nQual delas?`,
                `I found more than one:\n${list}\nWhich one?`,
              ),
        actions: [],
        sources: [],
      };
    }
    const session = candidates[0] as SessionView;
    const confirmation: PendingConfirmation = {
      kind: 'confirm',
      action: slots.kind,
      sessionId: session.id,
      memberId: context.memberId,
      title: session.title,
      localDate: session.localDate,
      localTime: session.localTime,
    };
    conversation.pending = confirmation;
    const when = `${dayLabel(locale, session.localDate, today)} ${tr(locale, 'às', 'at')} ${session.localTime}`;
    const full =
      slots.kind === 'book' && session.booked >= session.capacity
        ? tr(
            locale,
            ' A aula está lotada: você entra na lista de espera.',
            ' The class is full: you would join the waitlist.',
          )
        : '';
    return {
      ...base,
      reply:
        slots.kind === 'book'
          ? tr(
              locale,
              `Confirma a reserva de ${session.title}, ${when}?${full} Responda "sim" para confirmar ou "não" para desistir.`,
              `Shall I book ${session.title}, ${when}?${full} Reply "yes" to confirm or "no" to drop it.`,
            )
          : tr(
              locale,
              `Confirma o cancelamento de ${session.title}, ${when}? Responda "sim" ou "não".`,
              `Shall I cancel ${session.title}, ${when}? Reply "yes" or "no".`,
            ),
      actions: [
        {
          type,
          status: 'proposed',
          sessionId: session.id,
          classTitle: session.title,
          date: session.localDate,
          time: session.localTime,
          memberId: context.memberId,
        },
      ],
      sources: [
        {
          id: `schedule:${session.localDate}`,
          title: tr(locale, 'Grade de aulas da unidade', 'Class timetable of the unit'),
        },
      ],
    };
  }

  async #execute(
    pending: PendingConfirmation,
    context: AskContext,
    locale: Locale,
    base: Base,
  ): Promise<AssistantReply> {
    const type = pending.action === 'book' ? 'book_class' : 'cancel_booking';
    const described = {
      sessionId: pending.sessionId,
      classTitle: pending.title,
      date: pending.localDate,
      time: pending.localTime,
      memberId: pending.memberId,
    };
    // The confirmation is only good for the member it was read back to, by a caller still allowed to act.
    if (!context.mayAct || context.memberId !== pending.memberId)
      return this.#notAllowed(context, locale, { ...base, intent: type }, type);
    let outcome: BookingOutcome;
    try {
      const by = context.actorRole ? { id: context.actorId, role: context.actorRole } : undefined;
      outcome =
        pending.action === 'book'
          ? await this.#deps.bookings.book(pending.memberId, pending.sessionId, by)
          : await this.#deps.bookings.cancel(pending.memberId, pending.sessionId, by);
    } catch {
      outcome = { ok: false, reason: 'error' };
    }
    const today = this.#today(context.now);
    const when = `${dayLabel(locale, pending.localDate, today)} ${tr(locale, 'às', 'at')} ${pending.localTime}`;
    if (!outcome.ok) {
      const why = REFUSALS[outcome.reason];
      return {
        ...base,
        intent: type,
        reply: tr(locale, `Não consegui: ${why.pt}`, `I could not do it: ${why.en}`),
        actions: [
          {
            type,
            status: outcome.reason === 'error' ? 'failed' : 'refused',
            ...described,
            reason: outcome.reason,
          },
        ],
        sources: [],
      };
    }
    const reply =
      outcome.status === 'booked'
        ? tr(
            locale,
            `Pronto! Reservei ${pending.title}, ${when}. Até lá!`,
            `Done! You are booked into ${pending.title}, ${when}. See you there!`,
          )
        : outcome.status === 'waitlisted'
          ? tr(
              locale,
              `A aula está lotada: você está na lista de espera de ${pending.title}, ${when}${outcome.position ? `, posição ${outcome.position}` : ''}.`,
              `The class is full: you are on the waitlist for ${pending.title}, ${when}${outcome.position ? `, position ${outcome.position}` : ''}.`,
            )
          : tr(locale, `Cancelado: ${pending.title}, ${when}.`, `Cancelled: ${pending.title}, ${when}.`);
    return {
      ...base,
      intent: type,
      reply,
      actions: [{ type, status: 'done', ...described, result: outcome.status }],
      sources: [],
    };
  }

  #status(context: AskContext, locale: Locale, base: Base): AssistantReply {
    if (context.memberId === undefined) {
      return {
        ...base,
        reply: tr(
          locale,
          'Para ver seu plano e suas reservas, entre com a sua conta ou faça o check-in no totem.',
          'To see your plan and bookings, sign in or check in at the kiosk.',
        ),
        actions: [],
        sources: [],
      };
    }
    const today = this.#today(context.now);
    const status = this.#deps.bookings.status(context.memberId, today);
    if (status === undefined)
      return {
        ...base,
        reply: tr(
          locale,
          'Não encontrei seu cadastro. A recepção pode ajudar.',
          'I could not find your record. The front desk can help.',
        ),
        actions: [],
        sources: [],
      };
    const lines: string[] = [];
    if (status.plan) {
      const end = status.plan.endDate
        ? tr(
            locale,
            `, válido até ${status.plan.endDate.split('-').reverse().join('/')}`,
            `, valid until ${status.plan.endDate}`,
          )
        : '';
      lines.push(
        tr(
          locale,
          `Plano: ${status.plan.name} (${status.plan.status === 'active' ? 'ativo' : status.plan.status}${end}).`,
          `Plan: ${status.plan.name} (${status.plan.status}${end}).`,
        ),
      );
    } else lines.push(tr(locale, 'Não encontrei um plano ativo hoje.', 'I found no active plan today.'));
    lines.push(
      status.overduePayments > 0
        ? tr(
            locale,
            `Há ${status.overduePayments} pagamento(s) em aberto: a recepção pode ajudar.`,
            `There are ${status.overduePayments} open payment(s): the front desk can help.`,
          )
        : tr(locale, 'Pagamentos em dia.', 'Payments up to date.'),
    );
    if (status.upcoming.length > 0) {
      lines.push(tr(locale, 'Suas próximas aulas:', 'Your next classes:'));
      for (const b of status.upcoming.slice(0, 5))
        lines.push(
          `• ${b.session.title} — ${dayLabel(locale, b.session.localDate, today)} ${b.session.localTime}${b.status === 'waitlisted' ? tr(locale, ' (lista de espera)', ' (waitlist)') : ''}`,
        );
    } else lines.push(tr(locale, 'Você não tem aulas reservadas.', 'You have no classes booked.'));
    return {
      ...base,
      reply: lines.join('\n'),
      actions: [],
      sources: [
        { id: 'member.status', title: tr(locale, 'Seu cadastro nesta unidade', 'Your record at this unit') },
      ],
    };
  }

  #plan(
    pending: PendingPlan,
    entities: Entities,
    locale: Locale,
    base: Base,
    conversation: Conversation,
    answered: boolean,
  ): AssistantReply {
    const slots: PendingPlan = {
      kind: 'plan',
      ...((pending.goal ?? entities.goal) ? { goal: pending.goal ?? entities.goal } : {}),
      ...((pending.level ?? entities.level) ? { level: pending.level ?? entities.level } : {}),
      ...((pending.daysPerWeek ?? entities.daysPerWeek)
        ? { daysPerWeek: pending.daysPerWeek ?? entities.daysPerWeek }
        : {}),
      ...((pending.equipment ?? entities.equipment)
        ? { equipment: pending.equipment ?? entities.equipment }
        : {}),
      injuries: [...new Set([...(pending.injuries ?? []), ...(entities.injuries ?? [])])],
    };
    if (
      !answered &&
      (slots.goal === undefined || slots.daysPerWeek === undefined || slots.level === undefined)
    ) {
      conversation.pending = slots;
      return {
        ...base,
        reply: tr(
          locale,
          'Vamos montar! Me diga: seu objetivo (hipertrofia, emagrecer, força, condicionamento ou saúde), quantos dias por semana pode treinar, seu nível (iniciante, intermediário, avançado) e, se for o caso, se treina em casa/só com halteres ou tem alguma dor ou lesão.',
          'Let us build it! Tell me: your goal (muscle, fat loss, strength, conditioning or health), how many days a week you can train, your level (beginner, intermediate, advanced) and, if relevant, whether you train at home/with dumbbells only or have any pain or injury.',
        ),
        actions: [],
        sources: [],
      };
    }
    const request: PlanRequest = {
      goal: (slots.goal ?? 'health') as PlanRequest['goal'],
      level: (slots.level ?? 'beginner') as PlanRequest['level'],
      daysPerWeek: slots.daysPerWeek ?? 3,
      equipment: (slots.equipment ?? 'full_gym') as PlanRequest['equipment'],
      injuries: slots.injuries ?? [],
    };
    const plan = buildWeeklyPlan(request);
    const goalNames: Record<string, [string, string]> = {
      hypertrophy: ['hipertrofia', 'muscle gain'],
      fat_loss: ['emagrecimento', 'fat loss'],
      strength: ['força', 'strength'],
      endurance: ['condicionamento', 'conditioning'],
      health: ['saúde', 'health'],
    };
    const levelNames: Record<string, [string, string]> = {
      beginner: ['iniciante', 'beginner'],
      intermediate: ['intermediário', 'intermediate'],
      advanced: ['avançado', 'advanced'],
    };
    const [gp, ge] = goalNames[request.goal] ?? ['', ''];
    const [lp, le] = levelNames[request.level] ?? ['', ''];
    const head = tr(
      locale,
      `Treino semanal — ${gp}, ${lp}, ${plan.request.daysPerWeek}x/semana:`,
      `Weekly plan — ${ge}, ${le}, ${plan.request.daysPerWeek}x/week:`,
    );
    const days = plan.days.map(
      (d, i) =>
        `${tr(locale, 'Dia', 'Day')} ${i + 1} (${locale === 'en' ? d.focus.en : d.focus.pt}): ${d.exercises.map((e) => `${locale === 'en' ? e.en : e.pt} ${e.prescription}`).join('; ')}`,
    );
    const notes = locale === 'en' ? plan.notes.en : plan.notes.pt;
    const assumed = [
      slots.goal === undefined ? tr(locale, 'objetivo: saúde', 'goal: health') : '',
      slots.level === undefined ? tr(locale, 'nível: iniciante', 'level: beginner') : '',
      slots.daysPerWeek === undefined ? tr(locale, '3 dias', '3 days') : '',
    ].filter(Boolean);
    const assumption =
      assumed.length > 0
        ? tr(
            locale,
            `\n(Assumi ${assumed.join(', ')}; é só pedir para mudar.)`,
            `\n(I assumed ${assumed.join(', ')}; just ask to change it.)`,
          )
        : '';
    const cites =
      plan.days.length > 0
        ? [
            {
              id: 'ex.training_basics',
              title: tr(locale, 'Séries, repetições e descanso', 'Sets, reps and rest'),
            },
          ]
        : [];
    return {
      ...base,
      intent: 'workout_plan',
      reply: `${head}\n${days.join('\n')}\n${notes.join(' ')}${assumption}`,
      actions: [],
      sources: cites,
    };
  }

  async #handover(clean: string, context: AskContext, locale: Locale, base: Base): Promise<AssistantReply> {
    if (!this.#deps.handover) {
      return {
        ...base,
        reply:
          tr(
            locale,
            'Procure a recepção: a equipe vai te atender.',
            'Please go to the front desk: staff will help you.',
          ) + this.#contact(locale),
        actions: [],
        sources: [],
      };
    }
    try {
      const { ticket } = await this.#deps.handover.request({
        actorId: context.actorId,
        ...(context.memberId ? { memberId: context.memberId } : {}),
        text: clean.slice(0, 300),
        locale,
      });
      return {
        ...base,
        reply: tr(
          locale,
          'Chamei alguém da equipe; já vão falar com você. Se preferir, vá até a recepção.',
          'I have called a staff member; they will be with you shortly. You can also go to the front desk.',
        ),
        actions: [{ type: 'handover', status: 'done', ticket }],
        sources: [],
      };
    } catch {
      return {
        ...base,
        reply: tr(
          locale,
          'Não consegui chamar a equipe agora. Procure a recepção, por favor.',
          'I could not reach the staff right now. Please go to the front desk.',
        ),
        actions: [{ type: 'handover', status: 'failed' }],
        sources: [],
      };
    }
  }
}

type Base = Pick<AssistantReply, 'intent' | 'confidence' | 'entities' | 'locale'>;

/** The later of two ISO instants. */
function laterOf(a: string, b: string): string {
  return a.localeCompare(b) >= 0 ? a : b;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function hasSlotEntities(e: Entities): boolean {
  return e.classes !== undefined || e.date !== undefined || e.time !== undefined || e.dayPart !== undefined;
}

function hasPlanEntities(e: Entities): boolean {
  return (
    e.goal !== undefined ||
    e.level !== undefined ||
    e.daysPerWeek !== undefined ||
    e.equipment !== undefined ||
    e.injuries !== undefined
  );
}

function mergeSlots(slots: PendingSlots, e: Entities): void {
  if (e.classes !== undefined) {
    slots.classes = e.classes;
    slots.options = undefined;
  }
  if (e.date !== undefined) {
    slots.date = e.date;
    slots.options = undefined;
  }
  if (e.time !== undefined) {
    slots.time = e.time;
    slots.timeAmbiguous = e.timeAmbiguous;
    slots.dayPart = undefined;
    slots.options = undefined;
  }
  if (e.dayPart !== undefined && e.time === undefined) slots.dayPart = e.dayPart;
}

function matchesTime(
  s: SessionView,
  slots: { time?: string; timeAmbiguous?: boolean; dayPart?: Entities['dayPart'] },
): boolean {
  if (slots.time !== undefined) {
    if (s.localTime === slots.time) return true;
    if (slots.timeAmbiguous) {
      const [h, m] = slots.time.split(':');
      return s.localTime === `${String(Number(h) + 12).padStart(2, '0')}:${m}`;
    }
    return false;
  }
  if (slots.dayPart !== undefined) {
    const hour = Number(s.localTime.slice(0, 2));
    if (slots.dayPart === 'morning') return hour < 12;
    if (slots.dayPart === 'afternoon') return hour >= 12 && hour < 18;
    return hour >= 18;
  }
  return true;
}

const ORDINALS: Record<string, number> = {
  primeira: 1,
  primeiro: 1,
  first: 1,
  segunda: 2,
  segundo: 2,
  second: 2,
  terceira: 3,
  terceiro: 3,
  third: 3,
  quarta: 4,
  fourth: 4,
  quinta: 5,
  fifth: 5,
  ultima: -1,
  ultimo: -1,
  last: -1,
};

/** A choice from a numbered list: "2", "a segunda", "the first one", "opção 3". */
function pickOption(folded: string, options: readonly string[] | undefined): string | undefined {
  if (options === undefined || options.length === 0) return undefined;
  const number = folded.match(/^(?:(?:opcao|option|numero|number|n|a|o|the)\s+)?(\d)(?:\s|$)/);
  if (number) return options[Number(number[1]) - 1];
  const ordinal =
    folded.match(
      /^(?:a|o|the)?\s*(primeira|primeiro|first|segundo|second|terceira|terceiro|third|fourth|fifth|ultima|ultimo|last)\b/,
    ) ?? folded.match(/^(?:a|o)\s+(segunda|quarta|quinta)(?:\s+(?:opcao|aula))?$/);
  if (ordinal) {
    const n = ORDINALS[ordinal[1] ?? ''] ?? 0;
    return n === -1 ? options[options.length - 1] : options[n - 1];
  }
  return undefined;
}
