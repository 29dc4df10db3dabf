import '@gymedge/ui/styles.css';
import { createI18n, createSession, Layout, mountScreen } from '@gymedge/ui';
import { RiskScreen } from './risk.tsx';
import { en, ptBR } from './strings.ts';

const i18n = createI18n({ namespace: 'churn', resources: { 'pt-BR': ptBR, en } });
// The staff console's session: signing in there signs in here.
const session = createSession({ storageKey: 'gymedge.staff.session' });

mountScreen(
  i18n,
  <Layout title={i18n.t('title')} reachability={session.reachability} nav={<a href="/staff">← Console</a>}>
    <RiskScreen session={session} />
  </Layout>,
);
