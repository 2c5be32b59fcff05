import { useEffect, useState } from 'react';

export type Loaded<T> = { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'loaded'; value: T };

/**
 * The value `load` resolves to, read again whenever `load` changes (keep it stable with useCallback). An answer that
 * arrives after a newer request started is dropped, so a slow reply to an old filter never replaces a newer one.
 */
export function useLoaded<T>(load: () => Promise<T>): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ kind: 'loading' });
  useEffect(() => {
    let current = true;
    setLoaded({ kind: 'loading' });
    load().then(
      (value) => current && setLoaded({ kind: 'loaded', value }),
      (error: unknown) => current && setLoaded({ kind: 'failed', error }),
    );
    return () => {
      current = false;
    };
  }, [load]);
  return loaded;
}
