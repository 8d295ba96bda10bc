import { formatErrorLine, type ErrorPayload } from '../../errors/wx-error.js';
import { fleetSync } from '../../fleet/fleet-sync.js';
import { joinFleet } from '../../fleet/join.js';
import { FleetSession } from '../../fleet/session.js';
import { fleetStatus } from '../../fleet/status.js';
import { optInt, str } from '../args.js';
import { JSON_OPT, type CliIo, type Command } from '../command.js';
import { printJson, printTable } from '../output.js';

const JOIN_USAGE = 'wxprov fleet join --server <https://host:port> --fingerprint <sha256 hex | sha256/base64> --code <enrolment code> [--json]';

/** A stop (Ctrl-C) aborts the exchange under way: what was not answered stays queued. */
function stopSignal(io: CliIo): AbortSignal {
  const stop = new AbortController();
  void io.interrupted.then(() => stop.abort());
  return stop.signal;
}

/** One stderr line per product whose block could not be taken; exit 1 when there is any. */
function blockErrors(io: CliIo, errors: Record<string, ErrorPayload>): number {
  for (const [pid, p] of Object.entries(errors)) io.stderr.write(`product ${pid}: ${formatErrorLine(p)}\n`);
  return Object.keys(errors).length > 0 ? 1 : 0;
}

const blocksLine = (blocks: Record<string, number>) =>
  Object.entries(blocks)
    .map(([pid, n]) => `product ${pid}: ${n} unused`)
    .join(', ') || 'none';

export const fleetJoinCommand: Command = {
  path: ['fleet', 'join'],
  usage: JOIN_USAGE,
  summary: "Join a factory server: pin its certificate, take the station code it enrolled, its products and keys, and a block of pre-signed ids per product",
  options: { ...JSON_OPT, server: { type: 'string' }, fingerprint: { type: 'string' }, code: { type: 'string' } },
  async run(v, _p, io) {
    const input = { server: str(v, 'server', JOIN_USAGE), fingerprint: str(v, 'fingerprint', JOIN_USAGE), code: str(v, 'code', JOIN_USAGE) };
    const r = await joinFleet(io.context(), input, { signal: stopSignal(io) });
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(`joined ${r.server} as station ${r.station_code} (downlink ${r.downlink_version}); blocks: ${blocksLine(r.blocks)}\n`);
    return blockErrors(io, r.errors);
  },
};

export const fleetStatusCommand: Command = {
  path: ['fleet', 'status'],
  usage: 'wxprov fleet status [--json]',
  summary: 'The factory server this station joined, its uplink backlog, last contact and unused pre-signed ids per product (no network)',
  options: { ...JSON_OPT },
  async run(v, _p, io) {
    const s = fleetStatus(io.context().db);
    if (v.json) return void printJson(io.stdout, s);
    if (!s.joined) return void io.stdout.write(`not joined to a factory server (station code ${s.station_code ?? '-'})\n`);
    printTable(io.stdout, ['', ''], [
      ['server', s.server],
      ['fingerprint', s.fingerprint],
      ['station_code', s.station_code],
      ['revoked', s.revoked ? 'yes' : 'no'],
      ['uplink_pending', s.uplink_pending],
      ['last_contact', s.last_contact],
      ['last_error', s.last_error ? `${s.last_error} at ${s.last_error_at}` : null],
      ['downlink_version', s.downlink_version],
      ['host_app_id', s.host_app_id],
      ['conflicts', s.conflicts],
      ['blocks', blocksLine(s.blocks)],
    ]);
  },
};

export const fleetSyncCommand: Command = {
  path: ['fleet', 'sync'],
  usage: 'wxprov fleet sync [--batch <rows>] [--json]',
  summary: "Now: send this station's ledger changes, take the server's downlink, top up blocks half used",
  options: { ...JSON_OPT, batch: { type: 'string' } },
  async run(v, _p, io) {
    const ctx = io.context();
    const session = new FleetSession(ctx);
    try {
      const r = await fleetSync(ctx, session, { signal: stopSignal(io), batch: optInt(v, 'batch', 1, 5000) });
      const s = fleetStatus(ctx.db);
      const doc = { server: s.server, station_code: s.station_code, uplink_pending: s.uplink_pending, last_contact: s.last_contact, blocks: r.blocks, uplink: r.uplink, downlink_version: r.downlink_version, taken: r.taken, errors: r.errors };
      if (v.json) printJson(io.stdout, doc);
      else io.stdout.write(`uplink: sent ${r.uplink.sent} (${r.uplink.accepted} new, ${r.uplink.duplicates} already there, ${r.uplink.conflicts} conflicts), pending ${s.uplink_pending}; downlink ${r.downlink_version}; blocks: ${blocksLine(r.blocks)}\n`);
      return blockErrors(io, r.errors);
    } finally {
      session.close();
    }
  },
};
