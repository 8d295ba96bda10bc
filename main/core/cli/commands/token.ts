import { JSON_OPT, type Command } from '../command.js';
import { printJson } from '../output.js';

export const tokenCommand: Command = {
  path: ['token'],
  usage: 'wxprov token [--json]',
  summary: 'Check the hostAppId credentials (the token itself is never printed)',
  options: { ...JSON_OPT },
  async run(v, _p, io) {
    const ctx = io.context();
    // The environment's, or the AppSecret the app saved when this process can unlock the key store.
    const { appid } = ctx.credentials();
    const r = await ctx.wechat().checkToken();
    const doc = { ok: true, appid, api_base: ctx.env.apiBase, mode: r.mode, expires_in: r.expires_in };
    if (v.json) printJson(io.stdout, doc);
    else io.stdout.write(`credentials OK: appid ${appid}, ${r.mode === 'stable' ? 'stable_token' : '/cgi-bin/token'}, token valid for ${r.expires_in} s (${ctx.env.apiBase})\n`);
  },
};
