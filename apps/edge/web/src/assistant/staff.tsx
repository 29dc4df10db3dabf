import { type ApiClient, Button, createSession, Field, ProblemBanner } from '@gymedge/ui';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AssistantChat, registerAssistantStrings } from './chat.tsx';

const session = createSession({ storageKey: 'gymedge.session.staff' });
const MEMBER_ID = /^member:[0-9A-HJKMNP-TV-Z]{26}$/;

/** The assistant on its own (sign-in included), for a console that is nothing else yet. */
export function StaffAssistant() {
  const { t, i18n } = useTranslation('assistant');
  registerAssistantStrings(i18n);
  const [signedIn, setSignedIn] = useState(session.current() !== undefined);
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await session.signIn(login, password);
      setSignedIn(true);
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  };
  if (signedIn) return <StaffAssistantPanel api={session.api} />;
  return (
    <form className="ge-card as-staff-login" onSubmit={(event) => void submit(event)}>
      <h2>{t('signInTitle')}</h2>
      <ProblemBanner error={error} />
      <Field label={t('ui:login')}>
        <input
          name="login"
          value={login}
          onChange={(e) => setLogin(e.target.value)}
          autoComplete="username"
          data-testid="staff-login"
        />
      </Field>
      <Field label={t('ui:password')}>
        <input
          name="password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          data-testid="staff-password"
        />
      </Field>
      <Button type="submit" data-testid="staff-sign-in">
        {t('ui:signIn')}
      </Button>
    </form>
  );
}

/**
 * The assistant as a view of the staff console (which signs in itself): the member to act for, then the
 * chat. Mount it with the console's API client.
 */
export function StaffAssistantPanel({ api }: { readonly api: ApiClient }) {
  const { t, i18n } = useTranslation('assistant');
  registerAssistantStrings(i18n);
  const [member, setMember] = useState('');
  const memberId = MEMBER_ID.test(member.trim()) ? member.trim() : undefined;
  return (
    <div className="as-staff">
      <Field label={t('memberId')}>
        <input
          value={member}
          onChange={(e) => setMember(e.target.value)}
          placeholder="member:…"
          data-testid="staff-member"
        />
      </Field>
      <AssistantChat
        key={memberId ?? 'none'}
        api={api}
        {...(memberId ? { memberId } : {})}
        variant="console"
      />
    </div>
  );
}
