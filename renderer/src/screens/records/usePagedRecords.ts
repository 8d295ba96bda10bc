/**
 * The ledger, page by page: `records.search` with its keyset cursor, one page at a time as
 * the table is scrolled. A new search drops pages of the previous one still in flight.
 */
import { useCallback, useRef, useState } from 'react';
import type { ErrorPayload, Input } from '../../../../preload/contract';
import { invoke } from '../../call';

export type RecordQuery = Omit<Input<'records.search'>, 'cursor' | 'limit'>;
export type DeviceRow = Awaited<ReturnType<typeof fetchPage>>['rows'][number];

export const PAGE_SIZE = 200;

async function fetchPage(q: RecordQuery, cursor: string | undefined) {
  const r = await invoke('records.search', { ...q, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
  if (!r.ok) throw r.error;
  return r.value;
}

export function usePagedRecords() {
  const [rows, setRows] = useState<DeviceRow[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [searched, setSearched] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  // The filter of the rows on screen (not of the fields being edited): what an export must take.
  const [shown, setShown] = useState<RecordQuery>({});
  const gen = useRef(0);
  const query = useRef<RecordQuery>({});
  const inFlight = useRef(false);

  const load = useCallback(async (g: number, cursor: string | undefined) => {
    inFlight.current = true;
    setLoading(true);
    try {
      const page = await fetchPage(query.current, cursor);
      if (g !== gen.current) return;
      setRows((cur) => (cursor ? [...cur, ...page.rows] : page.rows));
      setNext(page.next);
      setError(null);
    } catch (e) {
      if (g === gen.current) setError(e as ErrorPayload);
    } finally {
      if (g === gen.current) {
        inFlight.current = false;
        setLoading(false);
      }
    }
  }, []);

  const search = useCallback(
    (q: RecordQuery) => {
      gen.current += 1;
      query.current = q;
      setShown(q);
      setRows([]);
      setNext(null);
      setSearched(true);
      return load(gen.current, undefined);
    },
    [load],
  );

  const loadMore = useCallback(() => {
    if (inFlight.current || next === null) return;
    void load(gen.current, next);
  }, [load, next]);

  return { rows, hasMore: next !== null, loading, searched, error, search, loadMore, shown };
}
