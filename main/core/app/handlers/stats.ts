import type { Handlers } from '../../../../preload/contract.js';
import { lineYield } from '../../registry/line-yield.js';
import { Settings } from '../../registry/settings.js';
import { yieldOptionsFrom, yieldStats } from '../../registry/yield-stats.js';
import { systemTimeZone } from '../../util/local-day.js';
import type { AppCore } from '../app-core.js';

type Names = 'stats.get' | 'stats.line';

const given = (s: string | undefined) => (s === undefined || s.trim() === '' ? undefined : s);

/**
 * Yield from the results log of the current mode's database (simulation has its own, as
 * records.search does): `stats.get` over all stations in it with the dates `wxprov stats`
 * takes, `stats.line` for this station today on the app's clock and time zone.
 */
export function statsHandlers(core: AppCore): Pick<Handlers, Names> {
  const timeZone = () => core.opts.timeZone ?? systemTimeZone();
  return {
    'stats.get': (q) => {
      const tz = timeZone();
      const opts = yieldOptionsFrom({ product_id: q.product_id, since: given(q.since), until: given(q.until), by: q.by }, { since: 'since', until: 'until', by: 'by' }, tz);
      return yieldStats(core.runtime().ctx.db, opts);
    },
    'stats.line': () => {
      const { db } = core.runtime().ctx;
      return lineYield(db, new Settings(db).get('station_code') ?? null, core.now(), timeZone());
    },
  };
}
