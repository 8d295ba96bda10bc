import type { CoreContext } from '../../context.js';
import { mesConfig } from '../../mes/config.js';
import { MesOutbox, type MesStatusView } from '../../mes/events.js';
import { deliverMes } from '../../mes/sender.js';
import { JSON_OPT, type CliIo, type Command } from '../command.js';
import { printJson, printTable } from '../output.js';

function print(io: CliIo, ctx: CoreContext, s: MesStatusView, json: boolean): void {
  const cfg = mesConfig(ctx);
  if (json) return void printJson(io.stdout, { ...s, report_url: cfg.reportUrl ?? null, check_url: cfg.checkUrl ?? null, offline: cfg.offline });
  printTable(
    io.stdout,
    ['', ''],
    [
      ['report to', cfg.reportUrl ?? '(off: mes_report_url not set)'],
      ['route check', cfg.checkUrl ?? '(off: mes_check_url not set)'],
      ['when the MES is down', cfg.offline === 'allow' ? 'allow (units go on, marked)' : 'block (units wait)'],
      ['pending', String(s.pending)],
      ['sent', String(s.sent)],
      ['refused by the MES', String(s.refused)],
      ['last sent', s.last_sent_at ?? '-'],
      ['last error', s.last_error ?? '-'],
      ['next attempt', s.next_attempt_at ?? '-'],
    ],
  );
}

export const mesStatusCommand: Command = {
  path: ['mes', 'status'],
  usage: 'wxprov mes status [--json]',
  summary: 'The MES report outbox: pending, last error, last sent (and the MES settings)',
  options: { ...JSON_OPT },
  async run(v, _p, io) {
    const ctx = io.context();
    print(io, ctx, new MesOutbox(ctx.db).status(), v.json === true);
  },
};

export const mesSyncCommand: Command = {
  path: ['mes', 'sync'],
  usage: 'wxprov mes sync [--json]',
  summary: 'Send the waiting MES reports now, in order (exit 1 if the MES could not take them all)',
  options: { ...JSON_OPT },
  async run(v, _p, io) {
    const ctx = io.context();
    const r = await deliverMes(ctx);
    print(io, ctx, r.status, v.json === true);
    if (!v.json) io.stderr.write(`sent ${r.sent}${r.refused ? `, refused ${r.refused}` : ''}${r.failed ? `; stopped: ${r.status.last_error}` : ''}\n`);
    return r.failed ? 1 : 0;
  },
};
