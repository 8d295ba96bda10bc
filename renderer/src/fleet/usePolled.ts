import { useCallback, useEffect, useState } from 'react';
import type { ErrorPayload, Result } from '../../../preload/contract';

/** A dashboard answer fetched now and every `everyMs` while shown (the fleet moves on its own), with a manual reload. */
export function usePolled<T>(fetch: () => Promise<Result<T>>, everyMs = 10_000): { value: T | null; error: ErrorPayload | null; loading: boolean; reload: () => Promise<void> } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    setLoading(true);
    const r = await fetch();
    setLoading(false);
    if (r.ok) {
      setValue(r.value);
      setError(null);
    } else setError(r.error);
  }, [fetch]);
  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), everyMs);
    return () => clearInterval(timer);
  }, [reload, everyMs]);
  return { value, error, loading, reload };
}
