import { WxError, formatErrorLine } from '../../errors/wx-error.js';
import { beijingTime } from '../../registry/quota-time.js';
import { adminStream } from '../../server/admin/admin-client.js';
import type { ConflictView } from '../../server/fleet/conflicts.js';
import { serverHome } from '../../server/home.js';
import type { RegistrationResult } from '../../server/registrations/pass.js';
import { optStr, productId, str } from '../args.js';
import type { Command } from '../command.js';
import { call, HOME, HOME_OPT } from './server-admin.js';
import { printJson, printTable } from '../output.js';
import { parseSince } from './records.js';
import { operatorName } from './server.js';

/**
 * The fleet's records, conflicts and registration, from the server running from --home (each
 * one admin request, as in server-admin.ts).
 */

const RECORDS_USAGE = `wxprov server records${HOME} [--product <id>] [--station <code>] [--since <date>] [--format csv|json]`;
export const serverRecordsCommand: Command = {
  path: ['server', 'records'],
  usage: RECORDS_USAGE,
  summary: "Stream the fleet's ledger (every station) as CSV (UTF-8 BOM, quoted: opens in Excel/WPS) or a JSON array, the station's record keys",
  options: { ...HOME_OPT, product: { type: 'string' }, station: { type: 'string' }, since: { type: 'string' }, format: { type: 'string' } },
  async run(v, _p, io) {
    const format = optStr(v, 'format') ?? (v.json ? 'json' : 'csv');
    if (format !== 'csv' && format !== 'json') throw new WxError('INPUT_INVALID', { field: '--format', detail: format, allowed: 'csv | json' });
    const q = new URLSearchParams({ format });
    if (v.product !== undefined) q.set('product_id', String(productId(v, RECORDS_USAGE)));
    const station = optStr(v, 'station');
    if (station !== undefined) q.set('station', station);
    const since = optStr(v, 'since');
    if (since !== undefined) q.set('since', parseSince(since));
    await adminStream(serverHome(str(v, 'home', RECORDS_USAGE)), `/admin/records?${q}`, io.stdout, { actor: operatorName(io.env) });
  },
};

const CONFLICTS_USAGE = `wxprov server conflicts${HOME} [--json]`;
export const serverConflictsCommand: Command = {
  path: ['server', 'conflicts'],
  usage: CONFLICTS_USAGE,
  summary: 'Conflicts found in what stations reported: an id on two units, a unit on two ids (recorded, never merged)',
  options: HOME_OPT,
  async run(v, _p, io) {
    const { conflicts } = await call<{ conflicts: (ConflictView & { detail: unknown })[] }>(v, io, CONFLICTS_USAGE, 'GET', '/admin/conflicts');
    if (v.json) return void printJson(io.stdout, { conflicts });
    if (conflicts.length === 0) return void io.stdout.write('no conflicts\n');
    printTable(
      io.stdout,
      ['id', 'kind', 'product', 'device_id', 'hwid', 'station', 'other device_id', 'other hwid', 'other station', 'first seen', 'seen'],
      conflicts.map((c) => [c.id, c.kind, c.product_id, c.device_id, c.hwid, c.station, c.other_device_id, c.other_hwid, c.other_station, c.first_seen.slice(0, 19), c.seen]),
    );
  },
};

const SYNC_USAGE = `wxprov server sync${HOME} [--json]`;
export const serverSyncCommand: Command = {
  path: ['server', 'sync'],
  usage: SYNC_USAGE,
  summary: 'A registration pass on the server now (adddevice in batches; it also runs by itself): synced, failed, pending',
  options: HOME_OPT,
  async run(v, _p, io) {
    // A pass over a big queue takes as long as the platform does: no short timeout.
    const r = await call<RegistrationResult>(v, io, SYNC_USAGE, 'POST', '/admin/sync', {}, { timeoutMs: 3_600_000 });
    if (v.json) printJson(io.stdout, r);
    else {
      const paused = r.paused_until ? `, paused until ${beijingTime(r.paused_until)} Beijing time` : '';
      io.stdout.write(`synced ${r.synced}, failed ${r.failed}, cancelled ${r.cancelled}, pending ${r.pending}, calls ${r.calls}${paused}\n`);
    }
    for (const e of [r.error, r.refused, ...(r.skipped ?? []).map((s) => s.error)]) if (e) io.stderr.write(formatErrorLine(e) + '\n');
    // As `wxprov sync`: 1 whenever something was left undone by an error or refused.
    return r.error || r.failed > 0 || r.skipped ? 1 : 0;
  },
};
