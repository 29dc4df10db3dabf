import { randomUUID } from 'node:crypto';
import type { Entities } from './entities.ts';
import type { Locale } from './normalize.ts';

/** A booking or cancellation being put together over several turns. */
export interface PendingSlots {
  readonly kind: 'book' | 'cancel';
  classes?: string[];
  date?: string;
  time?: string;
  timeAmbiguous?: boolean;
  dayPart?: Entities['dayPart'];
  /** Session ids offered as a numbered list in the last reply. */
  options?: string[];
}

/** An action read back to the member, waiting for their yes. */
export interface PendingConfirmation {
  readonly kind: 'confirm';
  readonly action: 'book' | 'cancel';
  readonly sessionId: string;
  readonly memberId: string;
  readonly title: string;
  readonly localDate: string;
  readonly localTime: string;
}

/** A workout plan whose goal, days or level were asked for. */
export interface PendingPlan {
  readonly kind: 'plan';
  goal?: string;
  level?: string;
  daysPerWeek?: number;
  equipment?: string;
  injuries?: string[];
}

export type Pending = PendingSlots | PendingConfirmation | PendingPlan;

/** One exchange, kept (briefly) so an LLM backend can see the context. */
export interface Turn {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

/** A conversation: owned by the account that started it, about at most one member. */
export interface Conversation {
  readonly id: string;
  readonly ownerId: string;
  readonly memberId: string | undefined;
  locale: Locale;
  pending: Pending | undefined;
  turns: Turn[];
  updatedAt: number;
}

/** Retention knobs: conversations are forgotten after `ttlMs` of silence (privacy). */
export interface ConversationStoreOptions {
  /** Default 30 minutes. */
  readonly ttlMs?: number;
  /** Most conversations held at once; the oldest go first. Default 5,000. */
  readonly maxConversations?: number;
  /** Turns kept per conversation. Default 8. */
  readonly maxTurns?: number;
  readonly clock?: () => number;
}

/**
 * In-memory conversations, per account and member, for a limited time. Nothing is written to disk:
 * what a member told the assistant is gone after the TTL or a restart.
 */
export class ConversationStore {
  readonly #items = new Map<string, Conversation>();
  readonly #ttl: number;
  readonly #max: number;
  readonly #maxTurns: number;
  readonly #clock: () => number;

  constructor(options: ConversationStoreOptions = {}) {
    this.#ttl = options.ttlMs ?? 30 * 60_000;
    this.#max = options.maxConversations ?? 5000;
    this.#maxTurns = options.maxTurns ?? 8;
    this.#clock = options.clock ?? Date.now;
  }

  get size(): number {
    this.sweep();
    return this.#items.size;
  }

  /**
   * The conversation with this id if it belongs to the same account and member and is still fresh;
   * otherwise a new one (someone else's id never opens their conversation).
   */
  open(id: string | undefined, ownerId: string, memberId: string | undefined, locale: Locale): Conversation {
    this.sweep();
    const existing = id === undefined ? undefined : this.#items.get(id);
    if (existing !== undefined && existing.ownerId === ownerId && existing.memberId === memberId) {
      existing.updatedAt = this.#clock();
      this.#items.delete(existing.id);
      this.#items.set(existing.id, existing);
      return existing;
    }
    const conversation: Conversation = {
      id: randomUUID(),
      ownerId,
      memberId,
      locale,
      pending: undefined,
      turns: [],
      updatedAt: this.#clock(),
    };
    this.#items.set(conversation.id, conversation);
    while (this.#items.size > this.#max) {
      const oldest = this.#items.keys().next().value;
      if (oldest === undefined) break;
      this.#items.delete(oldest);
    }
    return conversation;
  }

  remember(conversation: Conversation, turn: Turn): void {
    conversation.turns.push({ role: turn.role, text: turn.text.slice(0, 500) });
    if (conversation.turns.length > this.#maxTurns)
      conversation.turns.splice(0, conversation.turns.length - this.#maxTurns);
    conversation.updatedAt = this.#clock();
  }

  /** Forgets every conversation older than the TTL. */
  sweep(): void {
    const cutoff = this.#clock() - this.#ttl;
    for (const [id, conversation] of this.#items) {
      if (conversation.updatedAt < cutoff) this.#items.delete(id);
    }
  }

  /** Forgets a member's conversations (LGPD erasure, or sign-out at the kiosk). */
  forgetMember(memberId: string): void {
    for (const [id, conversation] of this.#items)
      if (conversation.memberId === memberId) this.#items.delete(id);
  }
}
