import { Button, Field, ProblemBanner, Table, useAsync } from '@gymedge/ui';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionSummary } from '../../../src/domain/operations-types.ts';
import { useFormat } from './format.ts';
import { api } from './session.ts';

type SessionRow = Pick<
  SessionSummary,
  'id' | 'title' | 'startsAt' | 'room' | 'capacity' | 'booked' | 'waitlisted' | 'status' | 'timeZone'
>;
interface Roster extends SessionRow {
  readonly bookings: ReadonlyArray<{ key: string; memberId: string; name: string; status: string }>;
  readonly waitlist: ReadonlyArray<{ key: string; memberId: string; name: string; position: number }>;
}
interface ClassType {
  readonly id: string;
  readonly name: string;
  readonly defaultCapacity: number;
}

/** Monday (local date) of the week holding `date`. */
function monday(date: Date): string {
  const day = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - day * 86_400_000).toISOString().slice(0, 10);
}

/** The timetable of the next 7 days, rosters with attendance, a new class, rolling the week forward. */
export function ClassesView() {
  const { t } = useTranslation();
  const format = useFormat();
  const sessions = useAsync(
    (signal) => api.get<{ items: SessionRow[] }>('/api/v1/sessions', { query: { days: 7 }, signal }),
    [],
    15_000,
  );
  const types = useAsync((signal) => api.get<{ items: ClassType[] }>('/api/v1/class-types', { signal }), []);
  const [selected, setSelected] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const today = new Date().toISOString().slice(0, 10);
  const [form, setForm] = useState({ classTypeId: '', date: today, time: '07:00', capacity: '', room: '' });

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await api.post('/api/v1/sessions', {
        classTypeId: form.classTypeId || types.data?.items[0]?.id,
        date: form.date,
        time: form.time,
        ...(form.capacity ? { capacity: Number(form.capacity) } : {}),
        ...(form.room ? { room: form.room } : {}),
      });
      sessions.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const copyWeek = async () => {
    setError(undefined);
    try {
      const from = monday(new Date());
      const to = new Date(Date.parse(`${from}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
      const result = await api.post<{ created: number; existing: number }>('/api/v1/timetable/copy-week', {
        from,
        to,
      });
      setNotice(t('copied', result));
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section>
      <h2>{t('classesTitle')}</h2>
      <ProblemBanner
        error={error ?? sessions.error}
        onRetry={sessions.reload}
        onDismiss={() => setError(undefined)}
      />
      {notice ? <output className="staff-notice">{notice}</output> : null}
      {selected ? (
        <RosterCard id={selected} onClose={() => setSelected(undefined)} onChange={sessions.reload} />
      ) : null}
      <Table
        label={t('classesTitle')}
        rows={sessions.data?.items ?? []}
        rowKey={(s) => s.id}
        onRowClick={(s) => setSelected(s.id)}
        columns={[
          { key: 'when', header: t('when'), cell: (s) => format.when(s.startsAt) },
          {
            key: 'class',
            header: t('class'),
            cell: (s) => `${s.title}${s.status === 'cancelled' ? ' ✕' : ''}`,
          },
          { key: 'room', header: t('room'), cell: (s) => s.room ?? t('none') },
          { key: 'seats', header: t('seats'), align: 'right', cell: (s) => `${s.booked}/${s.capacity}` },
          { key: 'waiting', header: t('waiting'), align: 'right', cell: (s) => s.waitlisted },
        ]}
      />
      <form className="ge-card" onSubmit={(event) => void add(event)} style={{ marginTop: 16 }}>
        <h3>{t('addSession')}</h3>
        <div className="staff-form">
          <Field label={t('classType')}>
            <select
              value={form.classTypeId}
              onChange={(e) => setForm({ ...form, classTypeId: e.target.value })}
            >
              {(types.data?.items ?? []).map((type) => (
                <option key={type.id} value={type.id}>
                  {type.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('date')}>
            <input
              type="date"
              value={form.date}
              onChange={(e) => setForm({ ...form, date: e.target.value })}
            />
          </Field>
          <Field label={t('time')}>
            <input
              type="time"
              value={form.time}
              onChange={(e) => setForm({ ...form, time: e.target.value })}
            />
          </Field>
          <Field label={t('capacity')}>
            <input
              inputMode="numeric"
              value={form.capacity}
              onChange={(e) => setForm({ ...form, capacity: e.target.value })}
            />
          </Field>
          <Field label={t('room')}>
            <input value={form.room} onChange={(e) => setForm({ ...form, room: e.target.value })} />
          </Field>
        </div>
        <div className="staff-actions">
          <Button type="submit">{t('add')}</Button>
          <Button variant="secondary" onClick={() => void copyWeek()}>
            {t('copyWeek')}
          </Button>
        </div>
      </form>
    </section>
  );
}

function RosterCard({ id, onClose, onChange }: { id: string; onClose: () => void; onChange: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const roster = useAsync((signal) => api.get<Roster>(`/api/v1/sessions/${id}`, { signal }), [id]);
  const [error, setError] = useState<unknown>();
  const mark = async (memberId: string, attended: boolean) => {
    try {
      roster.setData((current) =>
        current
          ? {
              ...current,
              bookings: current.bookings.map((b) =>
                b.memberId === memberId ? { ...b, status: attended ? 'attended' : 'no_show' } : b,
              ),
            }
          : current,
      );
      await api.post(`/api/v1/sessions/${id}/attendance`, { memberId, attended });
    } catch (failure) {
      setError(failure);
    } finally {
      roster.reload();
      onChange();
    }
  };
  const r = roster.data;
  return (
    <div className="ge-card" data-testid="roster">
      <div className="ge-row" style={{ justifyContent: 'space-between' }}>
        <h3>
          {t('roster')}: {r ? `${r.title} · ${format.when(r.startsAt)}` : ''}
        </h3>
        <Button variant="ghost" onClick={onClose}>
          {t('ui:dismiss')}
        </Button>
      </div>
      <ProblemBanner error={error ?? roster.error} />
      <Table
        rows={(r?.bookings ?? []).filter((b) => b.status !== 'cancelled')}
        rowKey={(b) => b.key}
        columns={[
          { key: 'name', header: t('name'), cell: (b) => b.name },
          { key: 'status', header: t('status'), cell: (b) => b.status },
          {
            key: 'actions',
            header: '',
            cell: (b) => (
              <span className="staff-actions">
                <Button
                  variant={b.status === 'attended' ? 'primary' : 'secondary'}
                  onClick={() => void mark(b.memberId, true)}
                >
                  {t('attended')}
                </Button>
                <Button
                  variant={b.status === 'no_show' ? 'danger' : 'secondary'}
                  onClick={() => void mark(b.memberId, false)}
                >
                  {t('noShow')}
                </Button>
              </span>
            ),
          },
        ]}
      />
      {r && r.waitlist.length > 0 ? (
        <>
          <h4>{t('waitlist')}</h4>
          <ol>
            {r.waitlist.map((w) => (
              <li key={w.key}>{w.name}</li>
            ))}
          </ol>
        </>
      ) : null}
    </div>
  );
}
