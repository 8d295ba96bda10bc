import type { Logger } from '../../log/logger.js';
import { deliverReports, type DeliverResult } from '../../mes/deliver.js';
import type { FetchFn } from '../../mes/http.js';
import type { Queryable } from '../db/server-db.js';
import { ServerMesOutbox } from './events.js';
import { readMesSettings } from './settings.js';

export interface ServerMesDeps {
  db: Queryable;
  now: () => Date;
  log: Logger;
  /** WXPROV_MES_TOKEN of the server's environment: the stations never see it. */
  token?: string;
  fetch?: FetchFn;
}

export type ServerDeliverResult = DeliverResult;

/** The server's report outbox to the MES it holds for its stations, sent by the station's rules (mes/deliver.ts). */
export async function deliverServerMes(d: ServerMesDeps, o: { signal?: AbortSignal } = {}): Promise<ServerDeliverResult> {
  const outbox = new ServerMesOutbox(d.db);
  const url = (await readMesSettings(d.db)).report_url;
  if (!url) return { sent: 0, refused: 0, failed: false, status: await outbox.status() };
  return deliverReports(outbox, { url, token: d.token, now: d.now, log: d.log }, { fetch: d.fetch, signal: o.signal });
}
