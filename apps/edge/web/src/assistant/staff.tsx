import { Button, createSession, Field, ProblemBanner } from '@gymedge/ui';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AssistantChat, registerAssistantStrings } from './chat.tsx';

const session = createSession({ storageKey: 'gymedge.session.staff' });
const MEMBER_ID = /^member:[0-9A-HJKMNP-TV-Z]{26}$/;

/** The staff console's assistant: sign in, optionally name the member, then chat (in the console's language). */
export function StaffAssistant() {
  const { t, i18n } = useTranslation('assistant');
  registerAssistantStrings(i18n);
  const [signedIn, setSignedIn] = useState(session.current() !== undefined);
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [member, setMember] = useState('');
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
  if (!signedIn) {
    return (
      <form className="ge-card as-staff-login" onSubmit={(event) => void submit(event)}>
        <h2>{t('signInTitle')}</h2>
        <ProblemBanner error={error} />
        <Field label={t('ui:login')}>
          <input
            value={login}
            onChange={(e) => setLogin(e.target.value)}
            autoComplete="username"
            data-testid="staff-login"
          />
        </Field>
        <Field label={t('ui:password')}>
          <input
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
        api={session.api}
        {...(memberId ? { memberId } : {})}
        variant="console"
      />
    </div>
  );
}
