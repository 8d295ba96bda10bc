import { useEffect, useRef } from 'react';
import type { EventName, Events } from '../../preload/contract';
import { getApi } from './api';

/** Subscribes to a main → renderer event for the life of the component. */
export function useEvent<E extends EventName>(event: E, cb: (payload: Events[E]) => void): void {
  const latest = useRef(cb);
  latest.current = cb;
  useEffect(() => getApi().on(event, (p) => latest.current(p)), [event]);
}
