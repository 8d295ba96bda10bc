import type { Handlers, MesSettingsView } from '../../../../preload/contract.js';
import type { CoreContext } from '../../context.js';
import { mesConfig } from '../../mes/config.js';
import { MesOutbox } from '../../mes/events.js';
import { deliverMes } from '../../mes/sender.js';
import { mesTokenSource, storeMesToken } from '../../mes/token.js';
import { Settings } from '../../registry/settings.js';
import type { AppCore } from '../app-core.js';

type Names = 'mes.get' | 'mes.set' | 'mes.status' | 'mes.sync';

function view(ctx: CoreContext): MesSettingsView {
  const c = mesConfig(ctx);
  return { check_url: c.checkUrl ?? null, report_url: c.reportUrl ?? null, offline: c.offline, token: mesTokenSource(ctx) };
}

/**
 * The MES hooks in the setup screen (the same settings `wxprov config set mes_…` writes) and
 * the report outbox's state on the line. The token goes into the key store and never comes back.
 */
export function mesHandlers(core: AppCore): Pick<Handlers, Names> {
  return {
    'mes.get': () => view(core.runtime().ctx),
    'mes.set': (q) => {
      const { ctx, mes } = core.runtime();
      const settings = new Settings(ctx.db);
      const at = ctx.now().toISOString();
      // Every value checked before any is written: a bad address changes nothing.
      const want: [string, string][] = [
        ['mes_check_url', q.check_url?.trim() ?? ''],
        ['mes_report_url', q.report_url?.trim() ?? ''],
        ['mes_offline', q.offline],
      ];
      for (const [k, v] of want) settings.check(k, v);
      if (q.token !== undefined) storeMesToken(ctx, q.token ?? '');
      ctx.db.transaction(() => {
        for (const [k, v] of want) settings.set(k, v, at, ctx.actor);
      })();
      ctx.log.info('mes.settings', { check: Boolean(q.check_url), report: Boolean(q.report_url), offline: q.offline, token: q.token === undefined ? 'kept' : q.token === null ? 'removed' : 'set' });
      mes.nudge();
      return view(ctx);
    },
    'mes.status': () => new MesOutbox(core.runtime().ctx.db).status(),
    'mes.sync': async () => (await deliverMes(core.runtime().ctx)).status,
  };
}
