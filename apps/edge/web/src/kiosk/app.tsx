import { Button, Field, Keypad, Layout, ProblemBanner, useIdle } from '@gymedge/ui';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AssistantButton } from '../assistant/chat.tsx';
import {
  type BookingOutcome,
  type CancelOutcome,
  type CheckInResult,
  pair,
  type SessionSummary,
  session,
} from './api.ts';
import { Scanner } from './scanner.tsx';

type Screen = 'starting' | 'login' | 'idle' | 'result' | 'week';

const IDLE_MS = (() => {
  const value = Number(new URLSearchParams(location.search).get('idle'));
  return Number.isFinite(value) && value > 0 ? value * 1000 : 30_000;
})();

/** Dates and times in the unit's zone (the browser may run elsewhere, e.g. in UTC). */
function useFormat(timeZone?: string) {
  const { i18n } = useTranslation();
  const zone = timeZone ? { timeZone } : {};
  const day = new Intl.DateTimeFormat(i18n.language, {
    weekday: 'long',
    day: 'numeric',
    month: 'short',
    ...zone,
  });
  const time = new Intl.DateTimeFormat(i18n.language, { hour: '2-digit', minute: '2-digit', ...zone });
  const date = new Intl.DateTimeFormat(i18n.language, { day: 'numeric', month: 'long', timeZone: 'UTC' });
  return {
    day: (iso: string) => day.format(new Date(iso)),
    time: (iso: string) => time.format(new Date(iso)),
    when: (iso: string) => `${day.format(new Date(iso))} ${time.format(new Date(iso))}`,
    date: (isoDate: string) => date.format(new Date(`${isoDate}T12:00:00Z`)),
  };
}

function useFormatFor(sessions: readonly SessionSummary[] | undefined) {
  return useFormat(sessions?.[0]?.timeZone);
}

/** A kiosk without a camera (or a test of the keypad) opens `/kiosk?camera=off`. */
const CAMERA = new URLSearchParams(location.search).get('camera') !== 'off';

/** The lobby kiosk: check in by QR or CPF, see the greeting, book this week's classes. */
export function KioskApp() {
  const { t } = useTranslation();
  const [screen, setScreen] = useState<Screen>('starting');
  const [digits, setDigits] = useState('');
  const [result, setResult] = useState<CheckInResult | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void pair().then((paired) => setScreen(paired ? 'idle' : 'login'));
  }, []);

  const reset = useCallback(() => {
    setScreen((current) => (current === 'login' || current === 'starting' ? current : 'idle'));
    setResult(undefined);
    setDigits('');
    setError(undefined);
  }, []);
  useIdle(IDLE_MS, reset, screen === 'result' || screen === 'week' || digits.length > 0);

  const checkIn = async (body: { code: string } | { document: string } | { number: string }) => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await session.api.post<CheckInResult>('/api/v1/checkins', body, { retry: true });
      setResult(answer);
      setScreen('result');
      setDigits('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const title = t('title');
  const body = (() => {
    switch (screen) {
      case 'starting':
        return <p className="kiosk-center">{t('pairing')}</p>;
      case 'login':
        return <DeviceLogin onDone={() => setScreen('idle')} />;
      case 'idle':
        return (
          <div className="kiosk-idle">
            <section className="kiosk-scan">
              <h2 className="kiosk-welcome">{t('welcome')}</h2>
              <p>{t('scanHint')}</p>
              <Scanner
                enabled={CAMERA}
                active={CAMERA && !busy}
                onCode={(code) => void checkIn({ code })}
                unavailableText={t('cameraOff')}
              />
            </section>
            <section className="kiosk-type">
              <p>{t('typeHint')}</p>
              <Keypad
                value={digits}
                onChange={setDigits}
                // Eleven digits are a CPF (the unit also tries them as a member number); fewer, a member number.
                onSubmit={() =>
                  void checkIn(digits.length === 11 ? { document: digits } : { number: digits })
                }
                submitLabel={busy ? t('checking') : t('checkIn')}
                clearLabel={t('clear')}
                maxLength={11}
              />
            </section>
          </div>
        );
      case 'result':
        return result ? <Greeting result={result} onWeek={() => setScreen('week')} onDone={reset} /> : null;
      case 'week':
        return result?.member && result.serving ? (
          <Week memberId={result.member.id} serving={result.serving} onDone={reset} />
        ) : null;
    }
  })();

  return (
    <Layout title={title} variant="kiosk" reachability={session.reachability}>
      <ProblemBanner error={error} onDismiss={() => setError(undefined)} />
      {body}
    </Layout>
  );
}

function DeviceLogin({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await session.signIn(login, password);
      onDone();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form className="ge-card kiosk-login" onSubmit={(event) => void submit(event)}>
      <h2>{t('deviceLogin')}</h2>
      <p className="ge-muted">{t('deviceLoginHint')}</p>
      <ProblemBanner error={error} />
      <Field label={t('ui:login')}>
        <input value={login} onChange={(e) => setLogin(e.target.value)} autoComplete="username" />
      </Field>
      <Field label={t('ui:password')}>
        <input
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
        />
      </Field>
      <Button type="submit" size="large">
        {t('ui:signIn')}
      </Button>
    </form>
  );
}

function Greeting({
  result,
  onWeek,
  onDone,
}: {
  result: CheckInResult;
  onWeek: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat(result.timeZone);
  const next = result.upcoming[0];
  // Already inside is not a refusal a member should feel: they are in.
  const inside = result.reason === 'already_inside';
  const reasonText = () => {
    const reason = result.reason ?? 'member_unknown';
    if (reason === 'closed' && !result.until) return t('reasons.closed_today');
    const since =
      reason === 'already_inside' && result.since
        ? format.time(result.since)
        : result.since
          ? format.date(result.since)
          : '';
    const until = reason === 'frozen' && result.until ? format.date(result.until) : (result.until ?? '');
    return t(`reasons.${reason}`, { since, until, defaultValue: t('reasons.member_unknown') });
  };
  return (
    <div
      className={`kiosk-result ${result.allowed || inside ? 'kiosk-ok' : 'kiosk-denied'}`}
      data-testid="checkin-result"
    >
      {result.member ? (
        <h2 className="kiosk-hello">{t('hello', { name: result.member.firstName })}</h2>
      ) : null}
      <p className="kiosk-verdict" data-testid="verdict">
        {result.allowed ? t('allowed') : inside ? t('insideTitle') : t('denied')}
      </p>
      {result.allowed && result.planName ? (
        <p className="ge-muted">{t('allowedPlan', { plan: result.planName })}</p>
      ) : null}
      {result.inGrace ? (
        <p className="kiosk-warn">{t('inGrace', { date: format.date(result.inGrace) })}</p>
      ) : null}
      {!result.allowed ? (
        <p className="kiosk-reason" data-testid="reason">
          {reasonText()}
        </p>
      ) : null}
      {result.promotions.length > 0 ? (
        <div className="kiosk-promoted" data-testid="promotion">
          <strong>{t('promoted')}</strong>
          {result.promotions.map((s) => (
            <div key={s.id}>
              {s.title} · {format.when(s.startsAt)}
            </div>
          ))}
        </div>
      ) : null}
      {result.member ? (
        <div className="ge-card kiosk-next" data-testid="next-class">
          <div className="ge-muted">{t('nextClass')}</div>
          {next ? (
            <div className="kiosk-next-title">
              {next.title} · {format.when(next.startsAt)}
              {next.room ? ` · ${next.room}` : ''}
            </div>
          ) : (
            <div>{t('noNextClass')}</div>
          )}
        </div>
      ) : null}
      <div className="ge-row kiosk-actions">
        {result.member && result.serving ? (
          <Button size="large" onClick={onWeek} data-testid="see-classes">
            {t('seeClasses')}
          </Button>
        ) : null}
        {result.member && result.serving ? (
          <AssistantButton api={session.api} memberId={result.member.id} serving={result.serving} />
        ) : null}
        <Button size="large" variant="secondary" onClick={onDone}>
          {t('done')}
        </Button>
      </div>
    </div>
  );
}

function Week({ memberId, serving, onDone }: { memberId: string; serving: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [sessions, setSessions] = useState<SessionSummary[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string | undefined>();
  const [pending, setPending] = useState<string | undefined>();

  const load = useCallback(async () => {
    try {
      const answer = await session.api.get<{ items: SessionSummary[] }>('/api/v1/sessions', {
        query: { memberId, serving, days: 7 },
      });
      setSessions(answer.items.filter((s) => s.status === 'scheduled'));
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  }, [memberId, serving]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (s: SessionSummary) => {
    setPending(s.id);
    setMessage(undefined);
    setError(undefined);
    const before = sessions;
    // Optimistic: show the new state at once; the answer (or the reload) brings the truth.
    setSessions((list) =>
      list?.map((item) =>
        item.id !== s.id
          ? item
          : s.mine
            ? { ...item, mine: undefined, booked: s.mine.status === 'booked' ? item.booked - 1 : item.booked }
            : item.seatsLeft > 0
              ? {
                  ...item,
                  mine: { status: 'booked' },
                  booked: item.booked + 1,
                  seatsLeft: item.seatsLeft - 1,
                }
              : { ...item, mine: { status: 'waitlisted', position: item.waitlisted + 1 } },
      ),
    );
    try {
      if (s.mine) {
        const outcome = await session.api.delete<CancelOutcome>(
          `/api/v1/sessions/${s.id}/bookings/${memberId}`,
          {
            query: { serving },
          },
        );
        setMessage(
          outcome.status === 'refused'
            ? t(`refusals.${outcome.reason ?? 'not_booked'}`)
            : outcome.status === 'left_waitlist'
              ? t('outcome.left_waitlist')
              : outcome.late
                ? t('outcome.cancelledLate')
                : t('outcome.cancelled'),
        );
      } else {
        const outcome = await session.api.post<BookingOutcome>(
          `/api/v1/sessions/${s.id}/bookings`,
          { memberId, serving },
          { retry: true },
        );
        setMessage(
          outcome.status === 'refused'
            ? t(`refusals.${outcome.reason ?? 'full'}`, { defaultValue: outcome.detail ?? '' })
            : outcome.status === 'waitlisted'
              ? t('outcome.waitlisted', { position: outcome.position })
              : t('outcome.booked'),
        );
      }
    } catch (failure) {
      setSessions(before);
      setError(failure);
    } finally {
      setPending(undefined);
      await load();
    }
  };

  const format = useFormatFor(sessions);
  const now = new Date().toISOString();
  return (
    <div className="kiosk-week">
      <div className="ge-row kiosk-week-head">
        <h2>{t('week')}</h2>
        <Button size="large" variant="secondary" onClick={onDone} className="kiosk-done">
          {t('done')}
        </Button>
      </div>
      <ProblemBanner error={error} onRetry={() => void load()} />
      {message ? (
        <output className="kiosk-message" data-testid="booking-message">
          {message}
        </output>
      ) : null}
      <div className="kiosk-sessions">
        {(sessions ?? []).map((s) => {
          const open = now >= s.bookingOpensAt && now < s.bookingClosesAt;
          const label = s.mine
            ? s.mine.status === 'booked'
              ? t('cancel')
              : t('leave')
            : s.seatsLeft > 0
              ? t('book')
              : t('join');
          return (
            <article
              key={s.id}
              className={`kiosk-session ${s.mine ? `kiosk-${s.mine.status}` : ''}`}
              data-testid="session"
              data-title={s.title}
            >
              <div className="kiosk-session-when">
                <strong>{format.time(s.startsAt)}</strong>
                <span>{format.day(s.startsAt)}</span>
              </div>
              <div className="kiosk-session-what">
                <strong>{s.title}</strong>
                <span className="ge-muted">{s.room ?? ''}</span>
                <span data-testid="session-status">
                  {s.mine?.status === 'booked'
                    ? t('booked')
                    : s.mine?.status === 'waitlisted'
                      ? t('waitlisted', { position: s.mine.position })
                      : s.seatsLeft > 0
                        ? t('seats', { count: s.seatsLeft })
                        : t('full')}
                </span>
              </div>
              {open || s.mine ? (
                <Button
                  size="large"
                  variant={s.mine ? 'secondary' : 'primary'}
                  busy={pending === s.id}
                  onClick={() => void act(s)}
                  data-testid="session-action"
                >
                  {label}
                </Button>
              ) : (
                <span className="ge-muted">
                  {now < s.bookingOpensAt
                    ? t('opensAt', { when: format.when(s.bookingOpensAt) })
                    : t('closedBooking')}
                </span>
              )}
            </article>
          );
        })}
      </div>
    </div>
  );
}
