/**
 * Whether the page still reaches the station program. Electron's page cannot outlive its main
 * process, so there it is always `connected`; in the browser the bridge client (api.ts) sets
 * it: `lost` while the program does not answer (it retries by itself), `expired` when the
 * program answers but refuses this page's session (it was restarted: a new run has a new
 * session secret, and only its printed address lets a browser in again).
 */
import { useSyncExternalStore } from 'react';

export type Connection = 'connected' | 'lost' | 'expired';

let current: Connection = 'connected';
const subscribers = new Set<() => void>();

export function setConnection(c: Connection): void {
  if (c === current) return;
  current = c;
  for (const s of subscribers) s();
}

export const getConnection = (): Connection => current;

export function subscribeConnection(cb: () => void): () => void {
  subscribers.add(cb);
  return () => void subscribers.delete(cb);
}

export const useConnection = (): Connection => useSyncExternalStore(subscribeConnection, getConnection);
