import '@gymedge/ui/styles.css';
import './dashboard.css';
import { createI18n, createSession, mountScreen } from '@gymedge/ui';
import { Dashboard } from './app.tsx';
import { en } from './locales/en.ts';
import { ptBR } from './locales/pt-BR.ts';

const i18n = createI18n({ namespace: 'hq', resources: { 'pt-BR': ptBR, en } });
// The shared offline indicator speaks of "the unit"; here the screen talks to HQ.
i18n.addResourceBundle(
  'pt-BR',
  'ui',
  { online: 'Conectado à matriz', offline: 'Sem conexão com a matriz; tentando de novo…' },
  true,
  true,
);
i18n.addResourceBundle(
  'en',
  'ui',
  { online: 'Connected to HQ', offline: 'No connection to HQ; retrying…' },
  true,
  true,
);

const session = createSession({ storageKey: 'gymedge.session.hq' });
mountScreen(i18n, <Dashboard session={session} />);
