import { type FormEvent, useState } from 'react';
import { dashboard, PASSWORD_MAX, PASSWORD_MIN } from '../api/dashboard';
import { AuthLayout } from '../components/AuthLayout';
import { Field } from '../components/Field';
import { FormFooter } from '../components/FormFooter';
import { navigate, pathOf } from '../router';
import { useSession } from '../session';
import { passwordProblem } from './password';

/** The setup link's token, once read from the address bar (which no longer holds it then). */
let linkToken = '';

/**
 * Reads the one-time token from the setup link's fragment (`/dashboard/setup#token=...`: a fragment never reaches a
 * server or a Referer) and removes it from the address bar and history at once. It runs as the page's first render's
 * state, and React may throw a render away before showing it (a more urgent update arriving while the page renders
 * after its chunk loaded) and render the page anew: that second read finds the fragment gone, so the token is kept
 * here, for the page's life, rather than lost (the form was then replaced by the "needs the setup link" text).
 */
function takeSetupToken(): string {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromLink) linkToken = fromLink;
  if (location.hash) history.replaceState(null, '', location.pathname);
  return linkToken;
}

/** First run: whoever holds the setup link printed by the server creates the first operator, then enrols MFA. */
export function SetupPage() {
  const { refresh } = useSession();
  const [token] = useState(takeSetupToken);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = passwordProblem(password, confirm);
    if (problem) return setError(new Error(problem));
    setBusy(true);
    setError(undefined);
    try {
      await dashboard.completeSetup(token, email.trim(), password);
      await refresh();
      navigate(pathOf('enrol'), { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  if (!token) {
    return (
      <AuthLayout title="Set up Keyward">
        <p>
          This page needs the one-time setup link that the server printed in its log when it started with no operator (it ends in{' '}
          <code>#token=…</code>). Open that link, or sign in if an operator already exists.
        </p>
        <p>
          <a href={pathOf('sign-in')}>Go to sign-in</a>
        </p>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Set up Keyward">
      <p>Create the first operator account. You will set up two-factor authentication next.</p>
      {/* noValidate: the rule is checked here and said in the alert below, read by screen readers like the server's refusals. */}
      <form onSubmit={submit} noValidate>
        <Field label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN}
          maxLength={PASSWORD_MAX}
          hint={`At least ${PASSWORD_MIN} characters.`}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <Field
          label="Confirm password"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
        <FormFooter error={error} busy={busy} submitLabel="Create account" />
      </form>
    </AuthLayout>
  );
}
