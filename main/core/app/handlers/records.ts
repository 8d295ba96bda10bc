import type { Handlers } from '../../../../preload/contract.js';
import { WxError } from '../../errors/wx-error.js';
import { Outbox } from '../../registry/outbox.js';
import { resumeSync } from '../../registry/sync.js';
import { searchDevices } from '../../registry/search.js';
import type { AppCore } from '../app-core.js';
import { exportToFile } from '../export-file.js';

type Names = 'queue.status' | 'queue.resume' | 'sync.now' | 'sync.retryFailed' | 'records.search' | 'records.export';

/** A date (2026-11-28, local midnight) or a timestamp, as the ISO text the ledger stores. */
function isoDate(raw: string | undefined, field: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00` : raw);
  if (Number.isNaN(d.getTime())) throw new WxError('INPUT_INVALID', { field, detail: raw, allowed: 'a date like 2026-11-28 or 2026-11-28T08:00:00Z' });
  return d.toISOString();
}

/** The queue, the sync, the ledger. */
export function recordsHandlers(core: AppCore): Pick<Handlers, Names> {
  return {
    'queue.status': () => {
      const rt = core.runtime();
      return { queue: new Outbox(rt.ctx.db).stats(), sync: rt.worker.current() };
    },
    // Refused while locked by its contract entry: lifting a pause is the engineer's call.
    'queue.resume': () => {
      const rt = core.runtime();
      const r = resumeSync(rt.ctx);
      if (r.resumed || rt.worker.current().phase === 'paused') rt.worker.resumed();
      return r;
    },
    'sync.now': () => core.runtime().worker.runNow(),
    'sync.retryFailed': () => {
      const rt = core.runtime();
      const requeued = new Outbox(rt.ctx.db).retryFailed();
      rt.ctx.log.info('sync.retry_failed', { requeued });
      rt.worker.nudge();
      return { requeued };
    },
    'records.search': (q) =>
      searchDevices(core.runtime().ctx.db, { ...q, from: isoDate(q.from, 'from'), to: isoDate(q.to, 'to') }),
    'records.export': async (q) => {
      const { ctx } = core.runtime();
      // The dates read as records.search reads them: the same filter, the same rows.
      const filter = { ...q, from: isoDate(q.from, 'from'), to: isoDate(q.to, 'to'), since: isoDate(q.since, 'since') };
      const r = await exportToFile(ctx.db, ctx.env.home, filter, ctx.now());
      ctx.log.info('records.export', { rows: r.rows, file: r.file, filter: q });
      return { ...r, url: null };
    },
  };
}
