import { Button, Field, ProblemBanner, Table, useAsync } from '@gymedge/ui';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from './format.ts';
import { api } from './session.ts';

interface Equipment {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly zoneId?: string;
  readonly status: 'ok' | 'maintenance' | 'out_of_order';
  readonly lastServiceOn?: string;
  readonly serviceDue: boolean;
}
interface Zone {
  readonly id: string;
  readonly name: string;
}
interface Alert {
  readonly id: string;
  readonly kind: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly title: string;
  readonly detail?: string;
  readonly raisedAt: string;
  readonly acknowledgedAt?: string;
  readonly resolvedAt?: string;
}

const KINDS = [
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
];

/** The equipment registry per zone, with maintenance actions. */
export function EquipmentView() {
  const { t } = useTranslation();
  const format = useFormat();
  const equipment = useAsync(
    (signal) => api.get<{ items: Equipment[] }>('/api/v1/equipment', { signal }),
    [],
  );
  const zones = useAsync((signal) => api.get<{ items: Zone[] }>('/api/v1/zones', { signal }), []);
  const [error, setError] = useState<unknown>();
  const [form, setForm] = useState({ name: '', kind: 'treadmill', zoneId: '' });
  const zoneName = (id?: string) => zones.data?.items.find((z) => z.id === id)?.name ?? t('none');
  const maintain = async (id: string, kind: string) => {
    setError(undefined);
    try {
      await api.post(`/api/v1/equipment/${id}/maintenance`, { kind });
    } catch (failure) {
      setError(failure);
    } finally {
      equipment.reload();
    }
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api.post('/api/v1/equipment', {
        name: form.name,
        kind: form.kind,
        ...(form.zoneId ? { zoneId: form.zoneId } : {}),
      });
      setForm({ ...form, name: '' });
      equipment.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section>
      <h2>{t('equipmentTitle')}</h2>
      <ProblemBanner error={error ?? equipment.error} onRetry={equipment.reload} />
      <Table
        rows={equipment.data?.items ?? []}
        rowKey={(e) => e.id}
        columns={[
          { key: 'name', header: t('name'), cell: (e) => e.name },
          { key: 'kind', header: t('kind'), cell: (e) => e.kind },
          { key: 'zone', header: t('zone'), cell: (e) => zoneName(e.zoneId) },
          {
            key: 'status',
            header: t('status'),
            cell: (e) => (
              <span
                className={`ge-badge ${e.status === 'ok' ? (e.serviceDue ? 'ge-warn' : 'ge-ok') : 'ge-bad'}`}
              >
                {t(`equipmentStates.${e.status}`)}
                {e.status === 'ok' && e.serviceDue ? ` · ${t('serviceDue')}` : ''}
              </span>
            ),
          },
          { key: 'service', header: t('lastService'), cell: (e) => format.date(e.lastServiceOn) },
          {
            key: 'actions',
            header: '',
            cell: (e) => (
              <span className="staff-actions">
                {e.status === 'ok' ? (
                  <>
                    <Button variant="secondary" onClick={() => void maintain(e.id, 'service')}>
                      {t('serviced')}
                    </Button>
                    <Button variant="danger" onClick={() => void maintain(e.id, 'fault_reported')}>
                      {t('reportFault')}
                    </Button>
                  </>
                ) : (
                  <Button onClick={() => void maintain(e.id, 'repair')}>{t('repaired')}</Button>
                )}
              </span>
            ),
          },
        ]}
      />
      <form className="ge-card" onSubmit={(event) => void add(event)} style={{ marginTop: 16 }}>
        <h3>{t('addEquipment')}</h3>
        <div className="staff-form">
          <Field label={t('name')}>
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          </Field>
          <Field label={t('kind')}>
            <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
              {KINDS.map((kind) => (
                <option key={kind}>{kind}</option>
              ))}
            </select>
          </Field>
          <Field label={t('zone')}>
            <select value={form.zoneId} onChange={(e) => setForm({ ...form, zoneId: e.target.value })}>
              <option value="">{t('none')}</option>
              {(zones.data?.items ?? []).map((zone) => (
                <option key={zone.id} value={zone.id}>
                  {zone.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Button type="submit" disabled={form.name.trim() === ''}>
          {t('add')}
        </Button>
      </form>
    </section>
  );
}

/** The alerts inbox: what vision, sync and equipment faults raised, open ones first. */
export function AlertsView() {
  const { t } = useTranslation();
  const format = useFormat();
  const alerts = useAsync((signal) => api.get<{ items: Alert[] }>('/api/v1/alerts', { signal }), [], 10_000);
  const [error, setError] = useState<unknown>();
  const act = async (id: string, action: 'acknowledge' | 'resolve') => {
    try {
      await api.post(`/api/v1/alerts/${id}/${action}`);
    } catch (failure) {
      setError(failure);
    } finally {
      alerts.reload();
    }
  };
  return (
    <section>
      <h2>{t('alertsTitle')}</h2>
      <ProblemBanner error={error ?? alerts.error} onRetry={alerts.reload} />
      <Table
        rows={alerts.data?.items ?? []}
        rowKey={(a) => a.id}
        empty={t('noAlerts')}
        columns={[
          { key: 'when', header: t('when'), cell: (a) => format.when(a.raisedAt) },
          {
            key: 'severity',
            header: '',
            cell: (a) => (
              <span
                className={`ge-badge ${a.severity === 'critical' ? 'ge-bad' : a.severity === 'warning' ? 'ge-warn' : ''}`}
              >
                {t(`severity.${a.severity}`)}
              </span>
            ),
          },
          {
            key: 'title',
            header: t('service'),
            cell: (a) => (a.detail ? `${a.title}: ${a.detail}` : a.title),
          },
          {
            key: 'actions',
            header: '',
            cell: (a) =>
              a.resolvedAt ? (
                '✓'
              ) : (
                <span className="staff-actions">
                  {a.acknowledgedAt ? null : (
                    <Button variant="secondary" onClick={() => void act(a.id, 'acknowledge')}>
                      {t('acknowledge')}
                    </Button>
                  )}
                  <Button onClick={() => void act(a.id, 'resolve')}>{t('resolve')}</Button>
                </span>
              ),
          },
        ]}
      />
    </section>
  );
}
