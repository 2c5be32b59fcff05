import { type FormEvent, useState } from 'react';

/**
 * A form's submission: `busy` while `send` runs, its refusal in `error` (the server's, or a check of the form's own
 * that throws before anything is sent), and on success the sentence `send` returns, if any, in `done` (shown as a
 * status message, FormFooter.tsx), each cleared when the form is sent again.
 */
export function useFormSubmit(send: () => Promise<string | undefined>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await send());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return { busy, error, done, onSubmit };
}
