import { type ApiClient, Button, ProblemBanner } from '@gymedge/ui';
import type { i18n as I18n } from 'i18next';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import './assistant.css';
import { en } from './locales/en.ts';
import { ptBR } from './locales/pt-BR.ts';

/** Adds the chat panel's strings (namespace `assistant`) to a screen's i18n. */
export function registerAssistantStrings(i18n: I18n): void {
  if (!i18n.hasResourceBundle('pt-BR', 'assistant')) i18n.addResourceBundle('pt-BR', 'assistant', ptBR);
  if (!i18n.hasResourceBundle('en', 'assistant')) i18n.addResourceBundle('en', 'assistant', en);
}

/** One action the assistant reports (see POST /api/v1/assistant/messages). */
interface Action {
  readonly type: string;
  readonly status: 'proposed' | 'done' | 'refused' | 'cancelled' | 'failed';
  readonly classTitle?: string;
  readonly date?: string;
  readonly time?: string;
}

interface Reply {
  readonly reply: string;
  readonly intent: string;
  readonly actions: readonly Action[];
  readonly sources: ReadonlyArray<{ id: string; title: string }>;
  readonly conversationId: string;
}

function isReply(value: unknown): value is Reply {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'reply') === 'string' &&
    typeof Reflect.get(value, 'conversationId') === 'string' &&
    Array.isArray(Reflect.get(value, 'actions')) &&
    Array.isArray(Reflect.get(value, 'sources'))
  );
}

function parseReply(value: unknown): Reply {
  if (!isReply(value)) throw new Error('unexpected answer from the assistant');
  return value;
}

interface Message {
  readonly id: number;
  readonly from: 'user' | 'bot';
  readonly text: string;
  readonly actions?: readonly Action[];
  readonly sources?: Reply['sources'];
}

/** Props of {@link AssistantChat}. */
export interface AssistantChatProps {
  readonly api: ApiClient;
  /** The member the conversation is about (kiosk after check-in, or the member the desk names). */
  readonly memberId?: string;
  /** At the kiosk: the serving ticket its check-in returned, which lets the assistant act for that member. */
  readonly serving?: string;
  readonly variant?: 'kiosk' | 'console';
}

/**
 * The chat with the assistant: messages, suggestions, a large yes/no when a booking is read back. Give it
 * `key={memberId}` so another member starts a new conversation.
 */
export function AssistantChat({ api, memberId, serving, variant = 'console' }: AssistantChatProps) {
  const { t, i18n } = useTranslation('assistant');
  const [messages, setMessages] = useState<Message[]>([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const conversation = useRef<string | undefined>(undefined);
  const counter = useRef(0);
  const log = useRef<HTMLDivElement>(null);

  // Keep the newest message in view (after every render; the log is short).
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  });

  const send = async (message: string) => {
    const clean = message.trim();
    if (clean.length === 0 || busy) return;
    setBusy(true);
    setError(undefined);
    counter.current += 1;
    setMessages((list) => [...list, { id: counter.current, from: 'user', text: clean }]);
    setText('');
    try {
      const reply = await api.post(
        '/api/v1/assistant/messages',
        {
          text: clean,
          locale: i18n.language === 'en' ? 'en' : 'pt-BR',
          ...(memberId ? { memberId } : {}),
          ...(serving ? { serving } : {}),
          ...(conversation.current ? { conversationId: conversation.current } : {}),
        },
        { parse: parseReply },
      );
      conversation.current = reply.conversationId;
      counter.current += 1;
      setMessages((list) => [
        ...list,
        {
          id: counter.current,
          from: 'bot',
          text: reply.reply,
          actions: reply.actions,
          sources: reply.sources,
        },
      ]);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send(text);
  };
  const last = messages.at(-1);
  const awaiting = last?.from === 'bot' && (last.actions ?? []).some((a) => a.status === 'proposed');
  const suggestions = Object.entries(ptBR.suggestions).map(([key]) => t(`suggestions.${key}`));

  return (
    <section className={`as-panel as-${variant}`} aria-label={t('title')} data-testid="assistant-chat">
      <div className="as-log" ref={log} aria-live="polite" data-testid="assistant-log">
        {messages.length === 0 ? (
          <div className="as-msg as-bot">
            {memberId || variant === 'kiosk' ? t('hello') : t('helloStaff')}
          </div>
        ) : null}
        {messages.map((m) => (
          <div
            key={m.id}
            className={`as-msg as-${m.from}`}
            data-testid={m.from === 'bot' ? 'assistant-reply' : 'user-message'}
          >
            {m.text}
            {(m.actions ?? []).length > 0 || (m.sources ?? []).length > 0 ? (
              <div className="as-meta">
                {(m.actions ?? []).map((a) => (
                  <span
                    key={`${a.type}-${a.status}-${a.time ?? ''}`}
                    className={`as-action as-action-${a.status}`}
                    data-testid="assistant-action"
                    data-status={a.status}
                  >
                    {t(a.status)}
                    {a.classTitle ? `: ${a.classTitle} ${a.date ?? ''} ${a.time ?? ''}` : ''}
                  </span>
                ))}
                {(m.sources ?? []).length > 0 ? <span>{t('sources')}:</span> : null}
                {(m.sources ?? []).map((s) => (
                  <span key={s.id} className="as-chip" title={s.id}>
                    {s.title}
                  </span>
                ))}
              </div>
            ) : null}
          </div>
        ))}
        {busy ? <div className="as-msg as-bot">{t('thinking')}</div> : null}
      </div>
      <ProblemBanner error={error} onDismiss={() => setError(undefined)} />
      {awaiting ? (
        <div className="as-confirm">
          <Button
            size={variant === 'kiosk' ? 'large' : 'normal'}
            onClick={() => void send(t('yes'))}
            data-testid="assistant-yes"
            disabled={busy}
          >
            {t('yes')}
          </Button>
          <Button
            size={variant === 'kiosk' ? 'large' : 'normal'}
            variant="secondary"
            onClick={() => void send(t('no'))}
            disabled={busy}
          >
            {t('no')}
          </Button>
        </div>
      ) : messages.length === 0 ? (
        <div className="as-suggestions">
          {suggestions.map((s) => (
            <Button key={s} variant="secondary" onClick={() => void send(s)}>
              {s}
            </Button>
          ))}
        </div>
      ) : null}
      <form className="as-form" onSubmit={submit}>
        <input
          value={text}
          onChange={(event) => setText(event.target.value)}
          placeholder={t('placeholder')}
          maxLength={1000}
          aria-label={t('placeholder')}
          data-testid="assistant-input"
        />
        <Button
          type="submit"
          size={variant === 'kiosk' ? 'large' : 'normal'}
          busy={busy}
          data-testid="assistant-send"
        >
          {t('send')}
        </Button>
      </form>
    </section>
  );
}

/** The kiosk's entry point after check-in: a large button that opens the chat full screen for that member. */
export function AssistantButton({
  api,
  memberId,
  serving,
}: {
  readonly api: ApiClient;
  readonly memberId: string;
  readonly serving?: string;
}) {
  const { t, i18n } = useTranslation('assistant');
  registerAssistantStrings(i18n);
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="large" variant="secondary" onClick={() => setOpen(true)} data-testid="open-assistant">
        {t('open')}
      </Button>
      {open ? (
        <div className="as-overlay" role="dialog" aria-modal="true" aria-label={t('title')}>
          <div className="as-overlay-inner">
            <div className="as-overlay-head">
              <h2>{t('title')}</h2>
              <Button
                size="large"
                variant="secondary"
                onClick={() => setOpen(false)}
                data-testid="close-assistant"
              >
                {t('close')}
              </Button>
            </div>
            <AssistantChat api={api} memberId={memberId} {...(serving ? { serving } : {})} variant="kiosk" />
          </div>
        </div>
      ) : null}
    </>
  );
}
