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
