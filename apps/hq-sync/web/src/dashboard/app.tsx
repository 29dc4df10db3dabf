import {
  Button,
  Chart,
  type Column,
  Layout,
  ProblemBanner,
  type Session,
  SignInForm,
  Table,
  useAsync,
} from '@gymedge/ui';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  QuarantineItem,
  QuarantinePage,
  RetryOutcome,
  type SyncSnapshot,
  type UnitSync,
} from '../../../src/api/snapshot.ts';
import { followSnapshots } from './live.ts';

/** How many snapshots the lag chart remembers (about six minutes at one every three seconds). */
const HISTORY = 120;

type T = ReturnType<typeof useTranslation>['t'];

function ago(t: T, iso: string | undefined, now: number): string {
  if (iso === undefined) return t('units.never');
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 3) return t('ago.now');
  if (seconds < 120) return t('ago.seconds', { n: seconds });
  if (seconds < 7200) return t('ago.minutes', { n: Math.round(seconds / 60) });
  return t('ago.hours', { n: Math.round(seconds / 3600) });
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min` : `${Math.round(seconds)} s`;
}

function SignIn({ session, onSignedIn }: { session: Session; onSignedIn: () => void }) {
  const { t } = useTranslation();
  return (
    <Layout title={t('title')} reachability={session.reachability} syncIndicator={false}>
      <SignInForm
        session={session}
        onSignedIn={onSignedIn}
        title={t('signInTitle')}
        hint={t('signInHint')}
        initialLogin="admin"
        className="hq-signin"
        submitClassName="ge-wide"
        testIds={{ form: 'signin' }}
      />
    </Layout>
  );
}

function Figures({ snapshot }: { snapshot: SyncSnapshot }) {
  const { t, i18n } = useTranslation();
  const n = (value: number) => value.toLocaleString(i18n.language);
  const figures: [string, string, string][] = [
    ['units', `${snapshot.chain.online}/${snapshot.chain.units}`, t('chain.units')],
    ['members', n(snapshot.chain.members), t('chain.members')],
    ['checkins', n(snapshot.chain.checkinsToday), t('chain.checkinsToday')],
    ['documents', n(snapshot.chain.documents), t('chain.documents')],
    ['pending', n(snapshot.chain.pendingChanges), t('chain.pending')],
    ['quarantined', n(snapshot.chain.quarantined), t('chain.quarantined')],
  ];
  return (
    <div className="hq-figures">
      {figures.map(([key, value, label]) => (
        <div key={key} className="hq-figure" data-testid={`figure-${key}`}>
          <strong>{value}</strong>
          <span>{label}</span>
        </div>
      ))}
    </div>
  );
}

function BrokerCard({ snapshot }: { snapshot: SyncSnapshot }) {
  const { t, i18n } = useTranslation();
  const broker = snapshot.broker;
  return (
    <section className="ge-card" data-testid="broker">
      <div className="ge-row">
        <h2 style={{ margin: 0 }}>{t('broker.title')}</h2>
        <span className={`ge-badge ${broker.reachable ? 'ge-ok' : 'ge-bad'}`} data-testid="broker-state">
          {broker.reachable ? t('broker.reachable') : t('broker.unreachable')}
        </span>
        <span className={`ge-badge ${snapshot.relay === 'running' ? 'ge-ok' : 'ge-warn'}`}>
          {t(`relay.${snapshot.relay}`)}
        </span>
      </div>
      <p className="ge-muted">
        <code>{broker.url}</code> · {broker.kind === 'aedes' ? t('broker.embedded') : t('broker.external')} ·{' '}
        {t('broker.since', { when: new Date(broker.since).toLocaleTimeString(i18n.language) })}
        {broker.clients === undefined ? null : (
          <>
            {' '}
            · {broker.clients} {t('broker.clients')} · {t('broker.uptime')}{' '}
            {duration(broker.uptimeSeconds ?? 0)}
          </>
        )}
      </p>
      {broker.refusedConnects === undefined ? null : (
        <p className="ge-muted">
          {t('broker.refused', {
            connects: broker.refusedConnects,
            publishes: broker.refusedPublishes ?? 0,
            subscribes: broker.refusedSubscribes ?? 0,
          })}
        </p>
      )}
    </section>
  );
}

function UnitsTable({ snapshot, now }: { snapshot: SyncSnapshot; now: number }) {
  const { t, i18n } = useTranslation();
  const n = (value: number | undefined) => (value === undefined ? '—' : value.toLocaleString(i18n.language));
  const columns: Column<UnitSync>[] = [
    {
      key: 'unit',
      header: t('units.unit'),
      cell: (u) => (
        <span>
          <strong>{u.name ?? u.unitId}</strong>
          {u.name === undefined && u.enrolled ? null : (
            <>
              <br />
              <span className="ge-muted">
                {u.name === undefined ? '' : u.unitId}
                {u.enrolled ? '' : `${u.name === undefined ? '' : ' · '}${t('units.notEnrolled')}`}
              </span>
            </>
          )}
        </span>
      ),
    },
    {
      key: 'state',
      header: t('units.state'),
      cell: (u) => (
        <span
          className={`ge-badge ${u.state === 'online' ? 'ge-ok' : u.state === 'offline' ? 'ge-bad' : 'ge-warn'}`}
          data-testid={`state-${u.unitId}`}
        >
          {t(`units.${u.state}`)}
        </span>
      ),
    },
    { key: 'seen', header: t('units.lastSeen'), cell: (u) => ago(t, u.lastSeenAt, now) },
    {
      key: 'pending',
      header: t('units.pending'),
      align: 'right',
      cell: (u) => <span data-testid={`pending-${u.unitId}`}>{n(u.pendingChanges)}</span>,
    },
    {
      key: 'lag',
      header: t('units.lag'),
      align: 'right',
      cell: (u) => (
        <span data-testid={`lag-${u.unitId}`}>
          {u.lagSeconds === undefined ? '—' : `${u.lagSeconds.toFixed(1)} ${t('charts.seconds')}`}
        </span>
      ),
    },
    { key: 'sync', header: t('units.lastSync'), cell: (u) => ago(t, u.lastSyncAt, now) },
    { key: 'documents', header: t('units.documents'), align: 'right', cell: (u) => n(u.documents) },
    {
      key: 'quarantined',
      header: t('units.quarantined'),
      align: 'right',
      cell: (u) => (
        <span className={u.quarantined > 0 ? 'ge-badge ge-warn' : undefined}>{n(u.quarantined)}</span>
      ),
    },
    {
      key: 'members',
      header: t('units.members'),
      align: 'right',
      cell: (u) => <span data-testid={`members-${u.unitId}`}>{n(u.members)}</span>,
    },
    { key: 'checkins', header: t('units.checkinsToday'), align: 'right', cell: (u) => n(u.checkinsToday) },
  ];
  return (
    <section className="ge-card">
      <h2>{t('units.title')}</h2>
      <Table
        columns={columns}
        rows={snapshot.units}
        rowKey={(u) => u.unitId}
        empty={t('units.empty')}
        label={t('units.title')}
      />
    </section>
  );
}

function Charts({ snapshot, history }: { snapshot: SyncSnapshot; history: readonly SyncSnapshot[] }) {
  const { t, i18n } = useTranslation();
  const lagOption = useMemo(() => {
    const units = snapshot.units.map((u) => u.unitId);
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: units, top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 28 },
      xAxis: {
        type: 'category',
        data: history.map((s) => new Date(s.at).toLocaleTimeString(i18n.language)),
        axisLabel: { hideOverlap: true },
      },
      yAxis: { type: 'value', minInterval: 1, name: t('charts.seconds') },
      series: units.map((unit) => ({
        name: unit,
        type: 'line',
        showSymbol: false,
        data: history.map((s) => s.units.find((u) => u.unitId === unit)?.lagSeconds ?? 0),
      })),
    };
  }, [snapshot, history, t, i18n.language]);
  const membersOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { data: [t('units.members'), t('units.checkinsToday')], top: 0 },
      grid: { left: 56, right: 16, top: 40, bottom: 28 },
      xAxis: { type: 'category', data: snapshot.units.map((u) => u.name ?? u.unitId) },
      yAxis: { type: 'value' },
      series: [
        { name: t('units.members'), type: 'bar', data: snapshot.units.map((u) => u.members) },
        { name: t('units.checkinsToday'), type: 'bar', data: snapshot.units.map((u) => u.checkinsToday) },
      ],
    }),
    [snapshot, t],
  );
  return (
    <div className="hq-charts">
      <section className="ge-card">
        <h2>{t('charts.lag')}</h2>
        <Chart option={lagOption} label={t('charts.lag')} />
      </section>
      <section className="ge-card">
        <h2>{t('charts.members')}</h2>
        <Chart option={membersOption} label={t('charts.members')} />
      </section>
    </div>
  );
}

const Detail = QuarantineItem.extend({ bytesPreview: QuarantineItem.shape.reason });

function Quarantine({ session, version }: { session: Session; version: number }) {
  const { t, i18n } = useTranslation();
  const list = useAsync(
    (signal) => session.api.get('/api/v1/quarantine', { signal, parse: QuarantinePage.parse }),
    [version],
  );
  const [open, setOpen] = useState<number | undefined>(undefined);
  const detail = useAsync(
    async (signal) =>
      open === undefined
        ? undefined
        : session.api.get(`/api/v1/quarantine/${open}`, { signal, parse: Detail.parse }),
    [open],
  );
  const [outcome, setOutcome] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const retry = async (id: number) => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await session.api.post(`/api/v1/quarantine/${id}/retry`, undefined, {
        parse: RetryOutcome.parse,
      });
      setOutcome(t(`quarantine.outcome.${result.outcome}`, { reason: result.reason ?? '' }));
      list.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const columns: Column<QuarantineItem>[] = [
    { key: 'unit', header: t('quarantine.unit'), cell: (q) => q.unitId },
    { key: 'doc', header: t('quarantine.doc'), cell: (q) => <code>{q.docId}</code> },
    { key: 'reason', header: t('quarantine.reason'), cell: (q) => q.reason },
    {
      key: 'received',
      header: t('quarantine.received'),
      cell: (q) => new Date(q.receivedAt).toLocaleString(i18n.language),
    },
    {
      key: 'open',
      header: '',
      cell: (q) => (
        <Button
          variant="secondary"
          onClick={() => {
            setOpen(q.id);
            setOutcome(undefined);
          }}
          data-testid={`open-${q.id}`}
        >
          {t('quarantine.open')}
        </Button>
      ),
    },
  ];
  return (
    <section className="ge-card" data-testid="quarantine">
      <h2>{t('quarantine.title')}</h2>
      <ProblemBanner error={list.error ?? error} onRetry={list.reload} />
      <Table
        columns={columns}
        rows={list.data?.items ?? []}
        rowKey={(q) => String(q.id)}
        empty={t('quarantine.empty')}
        label={t('quarantine.title')}
      />
      {detail.data ? (
        <div className="ge-card" data-testid="quarantine-detail" style={{ marginTop: 16 }}>
          <h3>{t('quarantine.detail')}</h3>
          <dl className="hq-detail">
            <dt>{t('quarantine.reason')}</dt>
            <dd data-testid="quarantine-reason">{detail.data.reason}</dd>
            <dt>{t('quarantine.doc')}</dt>
            <dd>
              <code>{detail.data.docId}</code> · {detail.data.unitId} ·{' '}
              {t('quarantine.size', { size: detail.data.sizeBytes })}
            </dd>
            <dt>{t('quarantine.bytes')}</dt>
            <dd>
              <code>{detail.data.bytesPreview || '—'}</code>
            </dd>
          </dl>
          {outcome ? <p data-testid="quarantine-outcome">{outcome}</p> : null}
          <div className="ge-row">
            <Button
              onClick={() => void retry(detail.data?.id ?? 0)}
              busy={busy}
              data-testid="quarantine-retry"
            >
              {t('quarantine.retry')}
            </Button>
            <Button variant="ghost" onClick={() => setOpen(undefined)}>
              {t('quarantine.close')}
            </Button>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function Board({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const { t } = useTranslation();
  const [snapshot, setSnapshot] = useState<SyncSnapshot | undefined>(undefined);
  const [live, setLive] = useState(false);
  const [now, setNow] = useState(Date.now());
  const history = useRef<SyncSnapshot[]>([]);
  const quarantined = snapshot?.chain.quarantined ?? 0;
  // The parent passes a new callback on every render: read the latest through a ref, so the live stream is not
  // reopened on each render.
  const signedOut = useRef(onSignedOut);
  signedOut.current = onSignedOut;
  useEffect(
    () =>
      followSnapshots(() => session.current()?.token, {
        onSnapshot: (next) => {
          history.current = [...history.current, next].slice(-HISTORY);
          setSnapshot(next);
          setNow(Date.now());
          session.reachability.set(true);
        },
        onLive: (open) => {
          setLive(open);
          if (!open) session.reachability.set(false);
        },
        onUnauthorized: () => {
          session.signOut();
          signedOut.current();
        },
      }),
    [session],
  );
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <Layout
      title={t('title')}
      reachability={session.reachability}
      syncIndicator={false}
      actions={
        <>
          <span className={`ge-badge hq-live ${live ? 'ge-ok' : 'ge-warn'}`} data-testid="live">
            {live ? t('live') : t('reconnecting')}
          </span>
          <Button
            variant="ghost"
            onClick={() => {
              session.signOut();
              onSignedOut();
            }}
          >
            {t('signOut')}
          </Button>
        </>
      }
    >
      {snapshot === undefined ? (
        <p className="ge-muted">…</p>
      ) : (
        <>
          <Figures snapshot={snapshot} />
          <BrokerCard snapshot={snapshot} />
          <UnitsTable snapshot={snapshot} now={now} />
          <Charts snapshot={snapshot} history={history.current} />
          <Quarantine session={session} version={quarantined} />
        </>
      )}
    </Layout>
  );
}

/** The HQ sync dashboard: sign in (the chain's owner or a manager), then the live picture of every unit. */
export function Dashboard({ session }: { session: Session }) {
  const [signedIn, setSignedIn] = useState(session.current() !== undefined);
  return signedIn ? (
    <Board session={session} onSignedOut={() => setSignedIn(false)} />
  ) : (
    <SignIn session={session} onSignedIn={() => setSignedIn(true)} />
  );
}
