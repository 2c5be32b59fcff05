import { type FormEvent, useState } from 'react';
import { dashboard } from '../api/dashboard';
import { AuthLayout } from '../components/AuthLayout';
import { Field } from '../components/Field';
import { FormFooter } from '../components/FormFooter';
import { navigate, pathOf } from '../router';
import { useSession } from '../session';

/** The second step of sign-in: a code from the authenticator app, or one of the recovery codes (each works once). */
export function VerifyMfaPage() {
  const { refresh } = useSession();
  const [useRecovery, setUseRecovery] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await dashboard.verifyMfa(useRecovery ? { recoveryCode: value.trim() } : { code: value.replace(/\s/g, '') });
      await refresh();
      navigate(pathOf('apis'), { replace: true });
    } catch (failure) {
      setError(failure);
      setValue('');
      setBusy(false);
    }
  };

  return (
    <AuthLayout title="Two-factor authentication">
      <form onSubmit={submit}>
        {useRecovery ? (
          <Field
            key="recovery"
            label="Recovery code"
            autoComplete="off"
            spellCheck={false}
            required
            hint="Each recovery code works once."
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        ) : (
          <Field
            key="code"
            label="Code from your authenticator app"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]{6,7}"
            maxLength={7}
            required
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        )}
        <FormFooter error={error} busy={busy} submitLabel="Verify" busyLabel="Checking…" />
      </form>
      <p>
        <button
          type="button"
          className="link"
          onClick={() => {
            setUseRecovery(!useRecovery);
            setValue('');
            setError(undefined);
          }}
        >
          {useRecovery ? 'Use a code from the authenticator app instead' : 'Use a recovery code instead'}
        </button>
      </p>
    </AuthLayout>
  );
}
