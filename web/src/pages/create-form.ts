import { type FormEvent, useState } from 'react';

/**
 * A form that creates something: `busy` while `create` runs, its refusal in `error`, and on success the sentence
 * `create` returns in `done` (shown as a status message), each cleared when the form is sent again.
 */
export function useCreateForm(create: () => Promise<string>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await create());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return { busy, error, done, onSubmit };
}
