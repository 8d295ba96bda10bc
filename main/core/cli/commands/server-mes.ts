import type { ServerMesStatus } from '../../server/mes/events.js';
import type { ServerMesSettings } from '../../server/mes/settings.js';
import { optStr } from '../args.js';
import type { CliIo, Command, Values } from '../command.js';
import { printJson, printTable } from '../output.js';
import { call, HOME, HOME_OPT } from './server-admin.js';

/**
 * The MES the factory server holds for all its stations: its addresses and offline rule (the
 * token is WXPROV_MES_TOKEN of the server's environment, never sent), and its report outbox.
 * Stations learn from their downlink that the server asks and reports for them.
 */
type MesDoc = ServerMesSettings & ServerMesStatus & { token: 'environment' | 'none' };

function print(io: CliIo, v: Values, d: MesDoc): void {
  if (v.json) return void printJson(io.stdout, d);
  printTable(
    io.stdout,
    ['', ''],
    [
      ['route check', d.check_url ?? '(off)'],
      ['reports', d.report_url ?? '(off)'],
      ['when the MES is down', d.offline === 'allow' ? 'allow (units go on, marked)' : 'block (units wait)'],
      ['token', d.token === 'environment' ? 'WXPROV_MES_TOKEN' : '(none)'],
      ['pending', String(d.pending)],
      ['sent', String(d.sent)],
      ['refused by the MES', String(d.refused)],
      ['last sent', d.last_sent_at ?? '-'],
      ['last error', d.last_error ?? '-'],
      ['next attempt', d.next_attempt_at ?? '-'],
    ],
  );
}

const SET_USAGE = `wxprov server mes set${HOME} [--check-url <url>] [--report-url <url>] [--offline block|allow] [--json]`;
export const serverMesSetCommand: Command = {
  path: ['server', 'mes', 'set'],
  usage: SET_USAGE,
  summary: 'Hold the MES for every station: the route-check and report addresses ("" turns one off) and what a unit does when the MES cannot be asked',
  options: { ...HOME_OPT, 'check-url': { type: 'string' }, 'report-url': { type: 'string' }, offline: { type: 'string' } },
  async run(v, _p, io) {
    const body: Record<string, unknown> = {};
    const check = optStr(v, 'check-url');
    const report = optStr(v, 'report-url');
    const offline = optStr(v, 'offline');
    if (check !== undefined) body.check_url = check;
    if (report !== undefined) body.report_url = report;
    if (offline !== undefined) body.offline = offline;
    print(io, v, await call<MesDoc>(v, io, SET_USAGE, 'POST', '/admin/mes', body));
  },
};

const STATUS_USAGE = `wxprov server mes status${HOME} [--json]`;
export const serverMesStatusCommand: Command = {
  path: ['server', 'mes', 'status'],
  usage: STATUS_USAGE,
  summary: "The server's MES settings and report outbox: pending, last error, last sent",
  options: HOME_OPT,
  async run(v, _p, io) {
    print(io, v, await call<MesDoc>(v, io, STATUS_USAGE, 'GET', '/admin/mes'));
  },
};

const SYNC_USAGE = `wxprov server mes sync${HOME} [--json]`;
export const serverMesSyncCommand: Command = {
  path: ['server', 'mes', 'sync'],
  usage: SYNC_USAGE,
  summary: "Send the server's waiting MES reports now (exit 1 if the MES could not take them all)",
  options: HOME_OPT,
  async run(v, _p, io) {
    const d = await call<MesDoc>(v, io, SYNC_USAGE, 'POST', '/admin/mes/sync', {}, { timeoutMs: 600_000 });
    print(io, v, d);
    return d.pending > 0 && d.last_error ? 1 : 0;
  },
};
