import { type FormEvent, useEffect, useState } from 'react';
import { dashboard, type MfaEnrolment } from '../api/dashboard';
import { AuthLayout } from '../components/AuthLayout';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { FormFooter } from '../components/FormFooter';
import { Loading } from '../components/Loading';
import { navigate, pathOf } from '../router';
import { useSession } from '../session';
import { RecoveryCodes } from './RecoveryCodes';

/**
 * The server's QR code as an image. The SVG is the server's own output, but it is still never put into the document
 * (no innerHTML): as an <img> it cannot run script or reach the page, whatever it contains.
 */
function qrCodeSource(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** A base32 secret in groups of four, easier to type into an app by hand. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

/**
 * MFA enrolment, which no operator can skip: scan (or type) the secret, prove it with a code, then keep the recovery
 * codes, shown this once. The session becomes active when the code is confirmed; the dashboard opens only after the
 * operator says the codes are saved.
 */
export function EnrolMfaPage() {
  const { refresh } = useSession();
  const [enrolment, setEnrolment] = useState<MfaEnrolment>();
  const [loadError, setLoadError] = useState<unknown>();
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [recoveryCodes, setRecoveryCodes] = useState<string[]>();

  useEffect(() => {
    let current = true;
    dashboard
      .startMfaEnrolment()
      .then((answer) => current && setEnrolment(answer))
      .catch((failure) => current && setLoadError(failure));
    return () => {
      current = false;
    };
  }, []);

  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await dashboard.confirmMfaEnrolment(code.replace(/\s/g, ''));
      setRecoveryCodes(answer.recoveryCodes);
    } catch (failure) {
      setError(failure);
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  if (recoveryCodes) {
    return (
      <AuthLayout title="Save your recovery codes">
        <RecoveryCodes
          codes={recoveryCodes}
          onDone={async () => {
            await refresh();
            navigate(pathOf('apis'), { replace: true });
          }}
        />
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Set up two-factor authentication">
      {loadError !== undefined ? (
        <ErrorMessage error={loadError} />
      ) : !enrolment ? (
        <Loading label="Preparing your authenticator secret…" block />
      ) : (
        <ol className="steps">
          <li>
            <p>Scan this code with an authenticator app.</p>
            <img
              className="qr"
              src={qrCodeSource(enrolment.qrCodeSvg)}
              alt="QR code of your authenticator secret"
              width={200}
              height={200}
            />
          </li>
          <li>
            <p>Or enter this secret by hand (time-based, 6 digits, 30 seconds):</p>
            <p>
              <code className="secret">{grouped(enrolment.secret)}</code>
            </p>
          </li>
          <li>
            <form onSubmit={confirm}>
              <Field
                label="Code shown by the app"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9 ]{6,7}"
                maxLength={7}
                required
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
              <FormFooter error={error} busy={busy} submitLabel="Confirm" busyLabel="Checking…" />
            </form>
          </li>
        </ol>
      )}
    </AuthLayout>
  );
}
