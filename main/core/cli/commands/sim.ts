import { startSimMes } from '../../sim/mes/mes-sim.js';
import { startWechatSim } from '../../sim/wechat-sim.js';
import { optInt } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson } from '../output.js';

export const simWechatCommand: Command = {
  path: ['sim', 'wechat'],
  usage: 'wxprov sim wechat [--port <n>] [--json]',
  summary: 'Run the built-in WeChat backend simulator on 127.0.0.1 (prints its URL first)',
  options: { ...JSON_OPT, port: { type: 'string' } },
  async run(v, _p, io) {
    const sim = await startWechatSim({ port: optInt(v, 'port', 0, 65535) ?? 0 });
    // The URL is the first line on purpose: scripts read it with `head -1`.
    if (v.json) printJson(io.stdout, { url: sim.url, appid: sim.appid, appsecret: sim.appsecret, admin_token: sim.adminToken });
    else {
      io.stdout.write(`${sim.url}\n`);
      io.stdout.write(
        [
          `WeChat backend simulator listening on ${sim.url} (Ctrl-C to stop)`,
          'Use it with:',
          `  export WXPROV_API_BASE=${sim.url}`,
          `  export WXPROV_APPID=${sim.appid}`,
          `  export WXPROV_APPSECRET=${sim.appsecret}`,
          `Admin routes (/__sim/state, /__sim/faults, ...) take the header x-sim-admin: ${sim.adminToken}`,
          '',
        ].join('\n'),
      );
    }
    await io.interrupted;
    await sim.close();
  },
};

export const simMesCommand: Command = {
  path: ['sim', 'mes'],
  usage: 'wxprov sim mes [--port <n>] [--token <t>] [--reject-sn <sn>=<reason> ...] [--json]',
  summary: 'Run a simulated factory MES on 127.0.0.1: POST /check (route check) and /report (results), for trying the MES hooks',
  options: { ...JSON_OPT, port: { type: 'string' }, token: { type: 'string' }, 'reject-sn': { type: 'string', multiple: true } },
  async run(v, _p, io) {
    const rejectSn = Object.fromEntries(((v['reject-sn'] as string[] | undefined) ?? []).map((x) => [x.split('=')[0], x.includes('=') ? x.slice(x.indexOf('=') + 1) : 'refused by the simulated MES']));
    const mes = await startSimMes({ port: optInt(v, 'port', 0, 65535) ?? 0, token: typeof v.token === 'string' ? v.token : undefined, rejectSn });
    if (v.json) printJson(io.stdout, { url: mes.url, check_url: mes.checkUrl, report_url: mes.reportUrl });
    else {
      io.stdout.write(`${mes.url}\n`);
      io.stdout.write(
        [
          `Simulated MES listening on ${mes.url} (Ctrl-C to stop)`,
          'Use it with:',
          `  wxprov config set mes_check_url ${mes.checkUrl}`,
          `  wxprov config set mes_report_url ${mes.reportUrl}`,
          '',
        ].join('\n'),
      );
    }
    const before = { checks: 0, deliveries: 0 };
    const timer = setInterval(() => {
      for (const c of mes.checks.slice(before.checks)) io.stderr.write(`check ${JSON.stringify(c.body)} → ${c.answer}\n`);
      for (const d of mes.deliveries.slice(before.deliveries)) io.stderr.write(`report ${d.event_id} ${String(d.body.result)}${d.duplicate ? ' (again)' : ''}\n`);
      before.checks = mes.checks.length;
      before.deliveries = mes.deliveries.length;
    }, 500);
    await io.interrupted;
    clearInterval(timer);
    await mes.close();
  },
};
