import { Chart, ProblemBanner, Table, useAsync } from '@gymedge/ui';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from './format.ts';
import { api } from './session.ts';

interface OverdueRow {
  readonly paymentId: string;
  readonly memberId: string;
  readonly name: string;
  readonly amountCents: number;
  readonly dueDate: string;
  readonly daysLate: number;
  readonly blocked: boolean;
  readonly service: string;
}
interface DailyReport {
  readonly date: string;
  readonly checkinsByHour: number[];
  readonly checkins: number;
  readonly denied: number;
  readonly revenueByMethod: Record<string, number>;
  readonly revenueCents: number;
  readonly activeMembers: number;
  readonly classes: ReadonlyArray<{
    id: string;
    title: string;
    startsAt: string;
    capacity: number;
    booked: number;
  }>;
  readonly occupancy: number;
  readonly overdue: OverdueRow[];
}

function OverdueTable({ rows }: { rows: readonly OverdueRow[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Table
      label={t('overdueTitle')}
      rows={rows}
      rowKey={(r) => r.paymentId}
      onRowClick={(r) => {
        location.hash = `#members/${encodeURIComponent(r.memberId)}`;
      }}
      columns={[
        { key: 'name', header: t('name'), cell: (r) => r.name },
        { key: 'service', header: t('service'), cell: (r) => r.service },
        { key: 'amount', header: t('amount'), align: 'right', cell: (r) => format.money(r.amountCents) },
        { key: 'due', header: t('due'), cell: (r) => format.date(r.dueDate) },
        { key: 'late', header: t('daysLate'), align: 'right', cell: (r) => r.daysLate },
        {
          key: 'blocked',
          header: '',
          cell: (r) => (
            <span className={`ge-badge ${r.blocked ? 'ge-bad' : 'ge-warn'}`}>
              {r.blocked ? t('blocked') : t('inGrace')}
            </span>
          ),
        },
      ]}
    />
  );
}

/** Charges past due, most late first. */
export function OverdueView() {
  const { t } = useTranslation();
  const overdue = useAsync(
    (signal) => api.get<{ items: OverdueRow[] }>('/api/v1/payments/overdue', { signal }),
    [],
  );
  return (
    <section>
      <h2>{t('overdueTitle')}</h2>
      <ProblemBanner error={overdue.error} onRetry={overdue.reload} />
      <OverdueTable rows={overdue.data?.items ?? []} />
    </section>
  );
}

/** The day at a glance: check-ins by hour, revenue by method, active members, class occupancy, overdue. */
export function ReportsView() {
  const { t } = useTranslation();
  const format = useFormat();
  const [date, setDate] = useState('');
  const report = useAsync(
    (signal) => api.get<DailyReport>('/api/v1/reports/daily', { query: { date: date || undefined }, signal }),
    [date],
    30_000,
  );
  const r = report.data;
  const hours = useMemo(
    () => ({
      grid: { left: 40, right: 16, top: 24, bottom: 28 },
      tooltip: {},
      xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => `${h}h`) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: r?.checkinsByHour ?? [], itemStyle: { color: '#0b6e4f' } }],
    }),
    [r],
  );
  const revenue = useMemo(
    () => ({
      tooltip: {},
      legend: { bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: ['40%', '70%'],
          data: Object.entries(r?.revenueByMethod ?? {}).map(([method, cents]) => ({
            name: t(`methods.${method}`, { defaultValue: method }),
            value: cents / 100,
          })),
        },
      ],
    }),
    [r, t],
  );
  const occupancy = useMemo(
    () => ({
      grid: { left: 120, right: 16, top: 16, bottom: 28 },
      tooltip: {},
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: {
        type: 'category',
        data: (r?.classes ?? []).map((c) => `${format.when(c.startsAt).split(' ').pop()} ${c.title}`),
      },
      series: [
        {
          type: 'bar',
          data: (r?.classes ?? []).map((c) => Math.round((100 * c.booked) / c.capacity)),
          itemStyle: { color: '#b54708' },
        },
      ],
    }),
    [r, format],
  );
  return (
    <section>
      <div className="ge-row" style={{ justifyContent: 'space-between' }}>
        <h2>
          {t('reportsTitle')} {r ? format.date(r.date) : ''}
        </h2>
        <input type="date" aria-label={t('date')} value={date} onChange={(e) => setDate(e.target.value)} />
      </div>
      <ProblemBanner error={report.error} onRetry={report.reload} />
      {r ? (
        <>
          <div className="staff-kpis" data-testid="kpis">
            <div className="staff-kpi">
              {t('checkins')}
              <strong data-testid="kpi-checkins">{r.checkins}</strong>
              <span className="ge-muted">
                {r.denied} {t('denied').toLowerCase()}
              </span>
            </div>
            <div className="staff-kpi">
              {t('revenue')}
              <strong data-testid="kpi-revenue">{format.money(r.revenueCents)}</strong>
            </div>
            <div className="staff-kpi">
              {t('activeMembers')}
              <strong>{r.activeMembers}</strong>
            </div>
            <div className="staff-kpi">
              {t('occupancy')}
              <strong>{Math.round(r.occupancy * 100)}%</strong>
            </div>
          </div>
          <div className="ge-grid">
            <div className="ge-card">
              <h3>{t('checkinsByHour')}</h3>
              <Chart option={hours} label={t('checkinsByHour')} />
            </div>
            <div className="ge-card">
              <h3>{t('revenueByMethod')}</h3>
              <Chart option={revenue} label={t('revenueByMethod')} />
            </div>
            <div className="ge-card">
              <h3>{t('classOccupancy')}</h3>
              <Chart
                option={occupancy}
                label={t('classOccupancy')}
                height={Math.max(200, 24 * r.classes.length)}
              />
            </div>
          </div>
          <h3>{t('overdueTitle')}</h3>
          <OverdueTable rows={r.overdue} />
        </>
      ) : null}
    </section>
  );
}
