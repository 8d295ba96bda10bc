/**
 * The station's AppState (mode, locale, lock, settings): loaded once with `app.state`, kept
 * current by `app` events and by the AppState that setup messages answer.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AppState, ErrorPayload } from '../../../preload/contract';
import { invoke } from '../call';
import { useEvent } from '../useEvent';

interface AppStateValue {
  /** null while loading (or when loading failed: see error). */
  state: AppState | null;
  error: ErrorPayload | null;
  /** Take a fresher AppState (from a message's answer). */
  update: (s: AppState) => void;
  reload: () => Promise<void>;
}

const Ctx = createContext<AppStateValue | null>(null);

export function AppStateProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AppState | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);

  const reload = useCallback(async () => {
    const r = await invoke('app.state');
    if (r.ok) {
      setState(r.value);
      setError(null);
    } else setError(r.error);
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);
  useEvent('app', setState);

  const value = useMemo(() => ({ state, error, update: setState, reload }), [state, error, reload]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAppState(): AppStateValue {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAppState outside AppStateProvider');
  return v;
}

/** The loaded AppState; only for screens rendered after loading. */
export function useLoadedState(): AppState & { update: (s: AppState) => void } {
  const { state, update } = useAppState();
  if (!state) throw new Error('AppState not loaded');
  return { ...state, update };
}
