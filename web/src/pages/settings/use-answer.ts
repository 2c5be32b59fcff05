import { useCallback, useEffect, useState } from 'react';

export type Answer<T> = { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'loaded'; value: T };

/** One read (not a list): asked when `ask` changes (keep it stable) and on `reload()`, which keeps the old value shown meanwhile. */
export function useAnswer<T>(ask: () => Promise<T>) {
  const [answer, setAnswer] = useState<Answer<T>>({ kind: 'loading' });
  const reload = useCallback(async () => {
    try {
      setAnswer({ kind: 'loaded', value: await ask() });
    } catch (error) {
      setAnswer({ kind: 'failed', error });
    }
  }, [ask]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { answer, reload };
}
