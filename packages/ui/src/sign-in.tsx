import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Field, ProblemBanner } from './components.tsx';
import type { Session } from './session.ts';

/** Test ids of the form's three controls, for screens whose Chromium tests find them by id. */
export interface SignInTestIds {
  readonly form?: string;
  readonly login?: string;
  readonly password?: string;
  readonly submit?: string;
}

export interface SignInFormProps {
  readonly session: Pick<Session, 'signIn'>;
  /** Runs after a successful sign-in. */
  readonly onSignedIn: () => void;
  readonly title?: ReactNode;
  readonly hint?: ReactNode;
  readonly initialLogin?: string;
  readonly className?: string;
  readonly submitClassName?: string;
  readonly testIds?: SignInTestIds;
}

/**
 * The one sign-in form of every screen (staff console and its views, HQ dashboard): login and password, a
 * problem banner that says why a sign-in failed, and a busy button while the unit checks the password.
 */
export function SignInForm({
  session,
  onSignedIn,
  title,
  hint,
  initialLogin = '',
  className = '',
  submitClassName,
  testIds = {},
}: SignInFormProps) {
  const { t } = useTranslation('ui');
  const [login, setLogin] = useState(initialLogin);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await session.signIn(login, password);
      onSignedIn();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className={`ge-card ${className}`.trim()}
      onSubmit={(event) => void submit(event)}
      data-testid={testIds.form}
    >
      {title === undefined ? null : <h2>{title}</h2>}
      {hint === undefined ? null : <p className="ge-muted">{hint}</p>}
      <ProblemBanner error={error} />
      <Field label={t('login')}>
        <input
          name="login"
          value={login}
          onChange={(e) => setLogin(e.target.value)}
          autoComplete="username"
          data-testid={testIds.login}
        />
      </Field>
      <Field label={t('password')}>
        <input
          name="password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          data-testid={testIds.password}
        />
      </Field>
      <Button type="submit" busy={busy} className={submitClassName} data-testid={testIds.submit}>
        {t('signIn')}
      </Button>
    </form>
  );
}
