import { Button, Layout, SignInForm } from '@gymedge/ui';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { StaffAssistantPanel } from '../assistant/staff.tsx';
import { RiskList } from '../churn/risk.tsx';
import { ClassesView } from './classes.tsx';
import { AlertsView, EquipmentView } from './floor.tsx';
import { MembersView } from './members.tsx';
import { OverdueView, ReportsView } from './reports.tsx';
import { onSignedOut, session } from './session.ts';
import { TransferView } from './transfer.tsx';

const VIEWS = [
  'members',
  'classes',
  'payments',
  'equipment',
  'alerts',
  'risk',
  'reports',
  'import',
  'assistant',
] as const;
type View = (typeof VIEWS)[number];

function viewOf(hash: string): View {
  const name = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'members';
}

/** The staff console: sign-in, then one view per task, chosen from the side navigation (#view). */
export function StaffApp() {
  const { t } = useTranslation();
  const [signedIn, setSignedIn] = useState(session.current() !== undefined);
  const [view, setView] = useState<View>(viewOf(location.hash));
  useEffect(() => onSignedOut(() => setSignedIn(false)), []);
  useEffect(() => {
    const listener = () => setView(viewOf(location.hash));
    window.addEventListener('hashchange', listener);
    return () => window.removeEventListener('hashchange', listener);
  }, []);
  if (!signedIn) return <SignIn onDone={() => setSignedIn(true)} />;
  const account = session.current()?.account;
  const nav = VIEWS.map((name) => (
    <a
      key={name}
      href={`#${name}`}
      aria-current={view === name ? 'page' : undefined}
      data-testid={`nav-${name}`}
    >
      {t(`nav.${name}`)}
    </a>
  ));
  return (
    <Layout
      title={t('title')}
      nav={nav}
      reachability={session.reachability}
      actions={
        <span className="ge-row">
          <span className="ge-muted">{account?.name}</span>
          <Button variant="ghost" onClick={() => session.signOut()}>
            {t('ui:signOut')}
          </Button>
        </span>
      }
    >
      {view === 'members' ? <MembersView /> : null}
      {view === 'classes' ? <ClassesView /> : null}
      {view === 'payments' ? <OverdueView /> : null}
      {view === 'equipment' ? <EquipmentView /> : null}
      {view === 'alerts' ? <AlertsView /> : null}
      {view === 'risk' ? <RiskList session={session} /> : null}
      {view === 'reports' ? <ReportsView /> : null}
      {view === 'import' ? <TransferView /> : null}
      {view === 'assistant' ? <StaffAssistantPanel api={session.api} /> : null}
    </Layout>
  );
}

function SignIn({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Layout title={t('title')} reachability={session.reachability}>
      <SignInForm session={session} onSignedIn={onDone} title={t('signInTitle')} className="staff-login" />
    </Layout>
  );
}
