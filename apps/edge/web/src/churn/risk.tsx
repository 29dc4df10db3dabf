import { Button, ProblemBanner, type Session, SignInForm, Table, useAsync } from '@gymedge/ui';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { en, ptBR } from './strings.ts';

const Reason = z.object({
  feature: z.string(),
  impact: z.number(),
  pt: z.string(),
  en: z.string(),
  actionPt: z.string(),
  actionEn: z.string(),
});
const Item = z.object({
  customerId: z.string(),
  probability: z.number(),
  reasons: z.array(Reason),
  segment: z.object({ id: z.number(), name: z.string(), nameEn: z.string() }).optional(),
});
const RiskAnswer = z.object({
  items: z.array(Item),
  model: z.object({
    state: z.string(),
    version: z.number().optional(),
    champion: z.string().optional(),
    trainedAt: z.string().optional(),
    testRocAuc: z.number().optional(),
  }),
});
type Item = z.infer<typeof Item>;

const MODEL_NAMES: Record<string, string> = {
  logistic: 'logística',
  tree: 'árvore',
  forest: 'floresta',
  hgb: 'boosting',
};

function riskColour(p: number): string {
  return p >= 0.6 ? '#c62828' : p >= 0.3 ? '#ef6c00' : '#2e7d32';
}

/** Adds the risk list's strings to an i18next instance (the staff console's, or this page's). */
export function registerChurnStrings(i18n: {
  hasResourceBundle(lng: string, ns: string): boolean;
  addResourceBundle(lng: string, ns: string, res: object): unknown;
}): void {
  if (!i18n.hasResourceBundle('pt-BR', 'churn')) i18n.addResourceBundle('pt-BR', 'churn', ptBR);
  if (!i18n.hasResourceBundle('en', 'churn')) i18n.addResourceBundle('en', 'churn', en);
}

/** The ranked risk list with reasons and actions (`GET /api/v1/churn/risk`), for the staff console. */
export function RiskList({ session }: { readonly session: Session }) {
  const { t, i18n } = useTranslation('churn');
  registerChurnStrings(i18n);
  const [limit, setLimit] = useState(25);
  const en = i18n.language.startsWith('en');
  const risk = useAsync(
    (signal) =>
      session.api.get('/api/v1/churn/risk', {
        signal,
        query: { limit: String(limit) },
        parse: RiskAnswer.parse,
      }),
    [limit],
    60_000,
  );
  const model = risk.data?.model;
  return (
    <section className="ge-card" data-testid="churn-risk">
      <ProblemBanner error={risk.error} onRetry={risk.reload} />
      {model?.version !== undefined ? (
        <p className="ge-muted" data-testid="churn-model">
          {t('model', {
            champion: en ? model.champion : (MODEL_NAMES[model.champion ?? ''] ?? model.champion),
            version: model.version,
            date: new Date(model.trainedAt ?? '').toLocaleString(en ? 'en' : 'pt-BR'),
            auc: model.testRocAuc?.toFixed(2) ?? '—',
          })}
        </p>
      ) : null}
      <p>
        {t('show')}{' '}
        {[10, 25, 50, 100].map((n) => (
          <Button key={n} onClick={() => setLimit(n)} disabled={n === limit} data-testid={`churn-limit-${n}`}>
            {n}
          </Button>
        ))}
      </p>
      <Table<Item>
        label={t('title')}
        rows={risk.data?.items ?? []}
        rowKey={(r) => r.customerId}
        empty={risk.error ? t('training') : t('empty')}
        columns={[
          {
            key: 'member',
            header: t('member'),
            cell: (r) => <code>{r.customerId.replace(/^member:/, '').slice(-8)}</code>,
          },
          {
            key: 'risk',
            header: t('risk'),
            align: 'right',
            cell: (r) => (
              <strong style={{ color: riskColour(r.probability) }}>{Math.round(r.probability * 100)}%</strong>
            ),
          },
          {
            key: 'segment',
            header: t('segment'),
            cell: (r) => (r.segment ? (en ? r.segment.nameEn : r.segment.name) : '—'),
          },
          {
            key: 'reasons',
            header: t('reasons'),
            cell: (r) => (
              <ul className="churn-reasons">
                {r.reasons.map((x) => (
                  <li key={x.feature}>{en ? x.en : x.pt}</li>
                ))}
              </ul>
            ),
          },
          {
            key: 'action',
            header: t('action'),
            cell: (r) => (
              <ul className="churn-reasons">
                {[...new Set(r.reasons.map((x) => (en ? x.actionEn : x.actionPt)))].map((a) => (
                  <li key={a}>{a}</li>
                ))}
              </ul>
            ),
          },
        ]}
      />
    </section>
  );
}

/** Sign-in when needed, then the list. */
export function RiskScreen({ session }: { readonly session: Session }) {
  const [signedIn, setSignedIn] = useState(session.current() !== undefined);
  if (signedIn) return <RiskList session={session} />;
  return (
    <SignInForm
      session={session}
      onSignedIn={() => setSignedIn(true)}
      testIds={{ login: 'churn-login', password: 'churn-password', submit: 'churn-sign-in' }}
    />
  );
}
