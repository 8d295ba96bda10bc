/**
 * This station's hour and day for the strip: fetched at start, after every unit, and every
 * minute (the hour turns over with no unit). Quiet on error: a strip that cannot load keeps
 * its dashes rather than putting a notification over the operator's tiles every minute.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LineYield } from '../../../../preload/contract';
import { invoke } from '../../call';
import { useEvent } from '../../useEvent';

const EVERY_MS = 60_000;
/** A burst of units (8 slots finishing together) makes one request, not eight. */
const SETTLE_MS = 500;

export function useLineYield(): LineYield | null {
  const [data, setData] = useState<LineYield | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async () => {
    const r = await invoke('stats.line');
    if (r.ok) setData(r.value);
  }, []);

  useEffect(() => {
    void load();
    const every = setInterval(() => void load(), EVERY_MS);
    return () => {
      clearInterval(every);
      clearTimeout(timer.current);
    };
  }, [load]);

  useEvent('unit', () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), SETTLE_MS);
  });
  return data;
}
