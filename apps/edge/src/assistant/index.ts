import { assistantRoutes } from '../api/routes/assistant.ts';
import type { ApiPlugin } from '../api/server.ts';
import type { Logger } from '../lib/logger.ts';
import { createOperations, type Operations } from '../services/operations.ts';
import type { UnitStore } from '../unit-store.ts';
import { ConversationStore } from './conversations.ts';
import { AssistantEngine } from './engine.ts';
import { LlmAssistant, type LlmConfig, llmConfigFromEnv } from './llm.ts';
import { StoreAssistantPorts } from './store-adapter.ts';

export { ConversationStore } from './conversations.ts';
export { AssistantEngine } from './engine.ts';
export { StoreAssistantPorts } from './store-adapter.ts';

/** Options of {@link assistantPlugin}; every one has a default. */
export interface AssistantOptions {
  /** How long a silent conversation is kept in memory; default 30 min (`GYMEDGE_ASSISTANT_TTL_MIN`). */
  readonly conversationTtlMs?: number;
  /** The optional LLM backend; default from `GYMEDGE_LLM_URL`, `GYMEDGE_LLM_MODEL`, `GYMEDGE_LLM_KEY`. */
  readonly llm?: LlmConfig | null;
  readonly now?: () => Date;
  /** The unit's operations services; default new ones over the same store (same rules, same config, same keys). */
  readonly operations?: Pick<Operations, 'bookings' | 'checkins'>;
}

/**
 * The assistant for one unit, as an API plugin: the offline engine over the unit's store, and the LLM
 * backend in front of it when one is configured (it falls back to the engine on any error).
 */
export function assistantPlugin(
  unit: UnitStore,
  unitId: string,
  logger: Logger,
  options: AssistantOptions = {},
): ApiPlugin {
  const now = options.now ?? (() => new Date());
  const operations = options.operations ?? createOperations({ unit, unitId, logger, clock: now });
  const ports = new StoreAssistantPorts(unit, { unitId, clock: now, bookings: operations.bookings });
  const engine = new AssistantEngine({ schedule: ports, bookings: ports, gym: ports, handover: ports });
  const llm = options.llm === undefined ? llmConfigFromEnv(process.env) : options.llm;
  const responder = llm === null || llm === undefined ? engine : new LlmAssistant(engine, llm, logger);
  const ttlFromEnv = Number(process.env.GYMEDGE_ASSISTANT_TTL_MIN);
  const conversations = new ConversationStore({
    ttlMs:
      options.conversationTtlMs ??
      (Number.isFinite(ttlFromEnv) && ttlFromEnv > 0 ? ttlFromEnv * 60_000 : 30 * 60_000),
  });
  return assistantRoutes({
    responder,
    conversations,
    now,
    logger: logger.child({ module: 'assistant' }),
    servedMember: (ticket) => operations.checkins.servedMember(ticket),
  });
}
