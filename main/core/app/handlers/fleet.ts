import type { FleetMembership, Handlers } from '../../../../preload/contract.js';
import { WxError } from '../../errors/wx-error.js';
import { fingerprintForms } from '../../fleet/fingerprint.js';
import { joinFleet, serverUrl } from '../../fleet/join.js';
import { fetchServerCert } from '../../fleet/pinned-tls.js';
import { fleetStatus } from '../../fleet/status.js';
import type { Db } from '../../db/open.js';
import type { AppCore } from '../app-core.js';

type Names = 'fleet.probe' | 'fleet.join' | 'fleet.status';

/** What the setup card shows of the membership (the CLI's `fleet status`, less what is the engineer's). */
function membership(db: Db): FleetMembership {
  const s = fleetStatus(db);
  return {
    joined: s.joined,
    server: s.server,
    fingerprint: s.fingerprint,
    station_code: s.joined ? s.station_code : null,
    joined_at: s.joined_at,
    last_contact: s.last_contact,
    last_error: s.last_error,
    revoked: s.revoked,
    uplink_pending: s.uplink_pending,
    blocks: s.blocks,
  };
}

/**
 * Joining a factory server from the setup screen (real mode: simulation's world is thrown
 * away, it has nothing to join with). The engineer first sees the fingerprint of the
 * certificate the address presents, to compare with the administrator's; the join itself
 * is the CLI's (fleet/join.ts): it checks the typed fingerprint against the certificate again
 * before the one-time code is sent. Joined, the runtime is rebuilt so the fleet's background
 * sync starts.
 */
export function fleetHandlers(core: AppCore): Pick<Handlers, Names> {
  return {
    'fleet.probe': async ({ server }) => {
      core.runtimeFor('real');
      const url = serverUrl(server);
      const cert = await fetchServerCert(url, { timeoutMs: 10_000 });
      const forms = fingerprintForms(cert.fingerprint);
      return { server: url.origin, fingerprint: forms.hex, fingerprint_colons: forms.colons };
    },
    'fleet.join': async (input) => {
      if (core.line.running) throw new WxError('LINE_RUNNING', { what: { zh: '工厂服务器', en: 'the factory server' } });
      const { ctx } = core.runtimeFor('real');
      const r = await joinFleet(ctx, input, { timeoutMs: 15_000 });
      ctx.log.info('app.fleet_joined', { server: r.server, station_code: r.station_code, blocks: r.blocks, errors: Object.keys(r.errors) });
      // A new context with the fleet's worker (runtime.ts starts one for a joined ledger).
      await core.rebuild();
      return membership(core.runtime().ctx.db);
    },
    'fleet.status': () => membership(core.runtime().ctx.db),
  };
}
