import { type ApiClient, createSession, Field, SignInForm } from '@gymedge/ui';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AssistantChat, registerAssistantStrings } from './chat.tsx';

const session = createSession({ storageKey: 'gymedge.session.staff' });
const MEMBER_ID = /^member:[0-9A-HJKMNP-TV-Z]{26}$/;

/** The assistant on its own (sign-in included), for a console that is nothing else yet. */
export function StaffAssistant() {
  const { t, i18n } = useTranslation('assistant');
  registerAssistantStrings(i18n);
  const [signedIn, setSignedIn] = useState(session.current() !== undefined);
  if (signedIn) return <StaffAssistantPanel api={session.api} />;
  return (
    <SignInForm
      session={session}
      onSignedIn={() => setSignedIn(true)}
      title={t('signInTitle')}
      className="as-staff-login"
      testIds={{ login: 'staff-login', password: 'staff-password', submit: 'staff-sign-in' }}
    />
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
