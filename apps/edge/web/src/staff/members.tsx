import { ApiError, Button, Field, ProblemBanner, Table, useAsync } from '@gymedge/ui';
import QRCode from 'qrcode';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from './format.ts';
import { api, download } from './session.ts';

interface Member {
  readonly id: string;
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly document?: string;
  readonly status: string;
}
interface Plan {
  readonly id: string;
  readonly name: string;
  readonly priceCents: number;
  readonly enrolmentFeeCents?: number;
}
interface MembershipView {
  readonly id: string;
  readonly planName: string;
  readonly startDate: string;
  readonly endDate?: string;
  readonly creditsLeft?: number;
  readonly status: { readonly state: string; readonly mayEnter: boolean };
}
interface Payment {
  readonly id: string;
  readonly service: string;
  readonly amountCents: number;
  readonly status: string;
  readonly dueDate?: string;
  readonly paidAt?: string;
  readonly method?: string;
}
interface Receipt {
  readonly number: string;
  readonly amountCents: number;
  readonly method: string;
}

function selectedId(): string | undefined {
  const [, id] = location.hash.replace(/^#\/?/, '').split('/');
  return id ? decodeURIComponent(id) : undefined;
}

/** Member search and create; a member's page when the hash names one (#members/<id>). */
export function MembersView() {
  const [selected, setSelected] = useState(selectedId());
  useEffect(() => {
    const listener = () => setSelected(selectedId());
    window.addEventListener('hashchange', listener);
    return () => window.removeEventListener('hashchange', listener);
  }, []);
  return selected ? <MemberPage id={selected} /> : <MemberList />;
}

function MemberList() {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState(false);
  const list = useAsync(
    (signal) =>
      api.get<{ items: Member[]; total: number }>('/api/v1/members', {
        query: { q: q.trim() || undefined, limit: 50 },
        signal,
      }),
    [q],
  );
  return (
    <section>
      <div className="ge-row">
        <input
          className="ge-search"
          aria-label={t('search')}
          placeholder={t('search')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          style={{ flex: 1, minHeight: 44, padding: '8px 12px', fontSize: '1rem' }}
        />
        <Button onClick={() => setCreating((v) => !v)} data-testid="new-member">
          {t('newMember')}
        </Button>
      </div>
      {creating ? <NewMember /> : null}
      <ProblemBanner
        error={q.trim().length > 0 && q.trim().length < 3 ? undefined : list.error}
        onRetry={list.reload}
      />
      <p className="ge-muted">{list.data ? `${list.data.total}` : ''}</p>
      <Table
        label={t('nav.members')}
        rows={list.data?.items ?? []}
        rowKey={(m) => m.id}
        onRowClick={(m) => {
          location.hash = `#members/${encodeURIComponent(m.id)}`;
        }}
        columns={[
          { key: 'name', header: t('name'), cell: (m) => m.name ?? t('none') },
          { key: 'cpf', header: t('cpf'), cell: (m) => m.document ?? t('none') },
          { key: 'phone', header: t('phone'), cell: (m) => m.phone ?? t('none') },
          { key: 'status', header: t('status'), cell: (m) => m.status },
        ]}
      />
    </section>
  );
}

function NewMember() {
  const { t } = useTranslation();
  const [form, setForm] = useState({ name: '', document: '', email: '', phone: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const fields = error instanceof ApiError ? error.fields : {};
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = Object.fromEntries(Object.entries(form).filter(([, value]) => value.trim() !== ''));
      const member = await api.post<Member>('/api/v1/members', body);
      location.hash = `#members/${encodeURIComponent(member.id)}`;
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const input = (key: keyof typeof form, label: string, type = 'text') => (
    <Field label={label} error={fields[key]}>
      <input
        name={key}
        type={type}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      />
    </Field>
  );
  return (
    <form className="ge-card" onSubmit={(event) => void submit(event)} data-testid="member-form">
      <h3>{t('newMember')}</h3>
      <ProblemBanner error={error} />
      <div className="staff-form">
        {input('name', t('name'))}
        {input('document', t('cpf'))}
        {input('email', t('email'), 'email')}
        {input('phone', t('phone'), 'tel')}
      </div>
      <Button type="submit" busy={busy}>
        {t('create')}
      </Button>
    </form>
  );
}

function MemberPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const member = useAsync((signal) => api.get<Member>(`/api/v1/members/${id}`, { signal }), [id]);
  const memberships = useAsync(
    (signal) => api.get<{ items: MembershipView[] }>(`/api/v1/members/${id}/memberships`, { signal }),
    [id],
  );
  const payments = useAsync(
    (signal) => api.get<{ items: Payment[] }>(`/api/v1/members/${id}/payments`, { signal }),
    [id],
  );
  const plans = useAsync((signal) => api.get<{ items: Plan[] }>('/api/v1/plans', { signal }), []);
  const [planId, setPlanId] = useState('');
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [pix, setPix] = useState<{
    paymentId: string;
    payload: string;
    amountCents: number;
    image: string;
  }>();
  const [qr, setQr] = useState<string>();

  const act = async (work: () => Promise<string | undefined>) => {
    setError(undefined);
    setNotice(undefined);
    try {
      setNotice(await work());
    } catch (failure) {
      setError(failure);
    } finally {
      memberships.reload();
      payments.reload();
    }
  };
  const sell = () =>
    act(async () => {
      await api.post(`/api/v1/members/${id}/memberships`, { planId: planId || plans.data?.items[0]?.id });
      return t('sold');
    });
  const pay = (payment: Payment, method: string) =>
    act(async () => {
      // Optimistic: the row reads "paid" at once; the reload brings the server's row.
      payments.setData((current) =>
        current
          ? { items: current.items.map((p) => (p.id === payment.id ? { ...p, status: 'paid', method } : p)) }
          : current,
      );
      const { receipt } = await api.post<{ receipt: Receipt }>(`/api/v1/payments/${payment.id}/pay`, {
        method,
      });
      setPix(undefined);
      return t('receipt', {
        number: receipt.number,
        amount: format.money(receipt.amountCents),
        method: t(`methods.${receipt.method}`),
      });
    });
  const showPix = (payment: Payment) =>
    act(async () => {
      const charge = await api.get<{ payload: string; amountCents: number }>(
        `/api/v1/payments/${payment.id}/pix`,
      );
      const image = await QRCode.toDataURL(charge.payload, {
        margin: 1,
        width: 480,
        errorCorrectionLevel: 'M',
      });
      setPix({ paymentId: payment.id, payload: charge.payload, amountCents: charge.amountCents, image });
      return undefined;
    });
  const showCard = () =>
    act(async () => {
      const { code } = await api.get<{ code: string }>(`/api/v1/members/${id}/qr`);
      setQr(await QRCode.toDataURL(code, { margin: 1, width: 360 }));
      return undefined;
    });

  const m = member.data;
  return (
    <section>
      <div className="ge-row staff-noprint">
        <Button variant="ghost" onClick={() => (location.hash = '#members')}>
          ← {t('back')}
        </Button>
      </div>
      <ProblemBanner error={member.error ?? error} onDismiss={() => setError(undefined)} />
      {notice ? (
        <output className="staff-notice" data-testid="notice">
          {notice}
        </output>
      ) : null}
      {m ? (
        <div className="ge-card">
          <h2 data-testid="member-name">{m.name}</h2>
          <p className="ge-muted">
            {[m.document, m.email, m.phone].filter(Boolean).join(' · ')} · {m.status}
          </p>
          <div className="staff-actions staff-noprint">
            <Button variant="secondary" onClick={() => void showCard()}>
              {t('card')}
            </Button>
            <Button
              variant="secondary"
              onClick={() => void download(`/api/v1/members/${id}/export?format=json`, 'dados-pessoais.json')}
            >
              {t('exportJson')}
            </Button>
            <Button
              variant="secondary"
              onClick={() => void download(`/api/v1/members/${id}/export?format=csv`, 'dados-pessoais.csv')}
            >
              {t('exportCsv')}
            </Button>
          </div>
          {qr ? (
            <div className="ge-row" data-testid="member-card">
              <img className="staff-qr" src={qr} alt={t('card')} />
              <div>
                <strong>{m.name}</strong>
                <div className="ge-muted">{m.document}</div>
                <Button variant="secondary" className="staff-noprint" onClick={() => window.print()}>
                  {t('printCard')}
                </Button>
              </div>
            </div>
          ) : null}
        </div>
      ) : null}
      <div className="ge-card">
        <h3>{t('memberships')}</h3>
        <Table
          rows={memberships.data?.items ?? []}
          rowKey={(row) => row.id}
          columns={[
            { key: 'plan', header: t('plan'), cell: (row) => row.planName },
            { key: 'start', header: t('start'), cell: (row) => format.date(row.startDate) },
            { key: 'end', header: t('end'), cell: (row) => format.date(row.endDate) },
            { key: 'credits', header: t('credits'), cell: (row) => row.creditsLeft ?? '∞' },
            {
              key: 'state',
              header: t('status'),
              cell: (row) => (
                <span
                  className={`ge-badge ${row.status.mayEnter ? 'ge-ok' : 'ge-bad'}`}
                  data-testid="membership-state"
                >
                  {t(`states.${row.status.state}`)}
                </span>
              ),
            },
          ]}
        />
        <div className="ge-row" style={{ marginTop: 12 }}>
          <select
            aria-label={t('plan')}
            value={planId}
            onChange={(e) => setPlanId(e.target.value)}
            data-testid="plan-select"
          >
            {(plans.data?.items ?? []).map((plan) => (
              <option key={plan.id} value={plan.id}>
                {plan.name} · {format.money(plan.priceCents)}
                {plan.enrolmentFeeCents ? ` + ${format.money(plan.enrolmentFeeCents)}` : ''}
              </option>
            ))}
          </select>
          <Button onClick={() => void sell()} data-testid="sell">
            {t('sell')}
          </Button>
        </div>
      </div>
      {pix ? (
        <div className="ge-card staff-pix" data-testid="pix">
          <img src={pix.image} alt="Pix QR code" />
          <div>
            <h3>{t('pixTitle', { amount: format.money(pix.amountCents) })}</h3>
            <p>{t('pixHint')}</p>
            <div className="ge-muted">{t('pixCopy')}</div>
            <div className="staff-payload" data-testid="pix-payload">
              {pix.payload}
            </div>
            <Button
              onClick={() => {
                const payment = payments.data?.items.find((p) => p.id === pix.paymentId);
                if (payment) void pay(payment, 'pix');
              }}
              data-testid="confirm-pix"
            >
              {t('confirmReceipt')}
            </Button>
          </div>
        </div>
      ) : null}
      <div className="ge-card">
        <h3>{t('paymentsOf')}</h3>
        <Table
          rows={payments.data?.items ?? []}
          rowKey={(row) => row.id}
          columns={[
            { key: 'service', header: t('service'), cell: (row) => row.service },
            {
              key: 'amount',
              header: t('amount'),
              align: 'right',
              cell: (row) => format.money(row.amountCents),
            },
            { key: 'due', header: t('due'), cell: (row) => format.date(row.dueDate) },
            {
              key: 'status',
              header: t('status'),
              cell: (row) => (
                <span className={`ge-badge ${row.status === 'paid' ? 'ge-ok' : 'ge-warn'}`}>
                  {t(`paymentStatus.${row.status}`)}
                  {row.method ? ` · ${t(`methods.${row.method}`)}` : ''}
                </span>
              ),
            },
            {
              key: 'actions',
              header: '',
              cell: (row) =>
                row.status === 'pending' ? (
                  <span className="staff-actions" data-testid="payment-actions">
                    <Button onClick={() => void showPix(row)} data-testid="pay-pix">
                      {t('payPix')}
                    </Button>
                    <Button variant="secondary" onClick={() => void pay(row, 'cash')}>
                      {t('payCash')}
                    </Button>
                    <Button variant="secondary" onClick={() => void pay(row, 'debit_card')}>
                      {t('payCard')}
                    </Button>
                  </span>
                ) : null,
            },
          ]}
        />
      </div>
    </section>
  );
}
