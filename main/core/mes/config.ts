import type { CoreContext } from '../context.js';
import { Settings } from '../registry/settings.js';

/** The MES hooks as the station settings say (`wxprov config set mes_…`); a hook with no address is off. */
export interface MesConfig {
  checkUrl?: string;
  reportUrl?: string;
  offline: 'block' | 'allow';
}

export function mesConfig(ctx: Pick<CoreContext, 'db'>): MesConfig {
  const s = new Settings(ctx.db);
  return { checkUrl: s.get('mes_check_url'), reportUrl: s.get('mes_report_url'), offline: s.get('mes_offline') === 'allow' ? 'allow' : 'block' };
}

/** How long a route check may take before the MES counts as unreachable: the unit waits on it. */
export const MES_CHECK_TIMEOUT_MS = 5_000;
/** One report's deadline; the outbox tries again later, so it can be shorter than a unit's patience. */
export const MES_REPORT_TIMEOUT_MS = 5_000;
