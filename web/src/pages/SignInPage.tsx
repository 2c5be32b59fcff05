import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client';
import { dashboard } from '../api/dashboard';
import { AuthLayout } from '../components/AuthLayout';
import { Field } from '../components/Field';
import { FormFooter } from '../components/FormFooter';
import { navigate, pathOf } from '../router';
import { useSession } from '../session';

/**
 * Email and password; the server then asks for the second factor (or its enrolment) in the same session. On a fresh
 * install (`setupRequired`, asked by session.tsx before this page shows) it says where the first account comes from.
 */
export function SignInPage({ notice, setupRequired = false }: { notice?: string; setupRequired?: boolean }) {
  const { refresh } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { next } = await dashboard.signIn(email.trim(), password);
      setPassword('');
      await refresh();
      navigate(pathOf(next === 'enrol_mfa' ? 'enrol' : 'mfa'), { replace: true });
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.retryAfterSeconds
          ? new Error(`${failure.detail} Try again in ${Math.ceil(failure.retryAfterSeconds / 60)} minute(s).`)
          : failure,
      );
      setBusy(false);
    }
  };

  return (
    <AuthLayout title="Sign in">
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {setupRequired && (
        <p className="notice">No operator exists yet. Open the one-time setup link that the server printed in its log when it started.</p>
      )}
      <form onSubmit={submit}>
        <Field label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <FormFooter error={error} busy={busy} submitLabel="Sign in" busyLabel="Signing in…" />
      </form>
    </AuthLayout>
  );
}
