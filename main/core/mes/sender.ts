import type { CoreContext } from '../context.js';
import { isWxError } from '../errors/wx-error.js';
import { mesConfig } from './config.js';
import { deliverReports, noteFailure, type DeliverOptions, type DeliverResult } from './deliver.js';
import { MesOutbox } from './events.js';
import { mesToken } from './token.js';

export type { DeliverOptions, DeliverResult };
export { backoffMs } from './report-outcome.js';

/**
 * Sends this station's waiting MES reports (mes/deliver.ts says how), with the token of the
 * key store or the environment: one that cannot be opened now is a failure like the MES's own,
 * counted and backed off, every event kept.
 */
export async function deliverMes(ctx: Pick<CoreContext, 'db' | 'env' | 'now' | 'log' | 'vault'>, o: DeliverOptions = {}): Promise<DeliverResult> {
  const outbox = new MesOutbox(ctx.db);
  const url = mesConfig(ctx).reportUrl;
  if (!url) return { sent: 0, refused: 0, failed: false, status: outbox.status() };
  let token: string | undefined;
  try {
    token = mesToken(ctx as CoreContext);
  } catch (e) {
    if (!isWxError(e)) throw e;
    await noteFailure(outbox, null, ctx.now(), e.code, ctx.log);
    return { sent: 0, refused: 0, failed: true, status: outbox.status() };
  }
  return deliverReports(outbox, { url, token, now: ctx.now, log: ctx.log }, o);
}
