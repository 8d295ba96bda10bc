import fs from 'node:fs';
import { WxError } from '../../errors/wx-error.js';
import { PUSH_MSG_MAX_BYTES, utf8Bytes } from '../../ids/validate.js';
import { oneOf, str } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson } from '../output.js';

export const pushCommand: Command = {
  path: ['push'],
  usage: 'wxprov push --push-token <t> (--msg <text> | --msg-file <f>) [--json]',
  summary: 'Send a message to a device through pushappmsg (at most 5 KB of UTF-8)',
  options: { ...JSON_OPT, 'push-token': { type: 'string' }, msg: { type: 'string' }, 'msg-file': { type: 'string' } },
  async run(v, _p, io) {
    const token = str(v, 'push-token', this.usage);
    let msg: string;
    if (oneOf(v, ['msg', 'msg-file'], this.usage) === 'msg') msg = v.msg as string;
    else {
      const file = str(v, 'msg-file', this.usage);
      try {
        msg = fs.readFileSync(file, 'utf8');
      } catch (e) {
        throw new WxError('FILE_UNREADABLE', { path: file, detail: (e as NodeJS.ErrnoException).code ?? '' });
      }
    }
    // Checked here too, before any credentials are needed: the size is the user's to fix.
    const bytes = utf8Bytes(msg);
    if (bytes > PUSH_MSG_MAX_BYTES) throw new WxError('INPUT_MSG_TOO_LARGE', { bytes });
    await io.context().wechat().pushAppMsg(token, msg);
    if (v.json) printJson(io.stdout, { ok: true, bytes });
    else io.stdout.write(`pushed ${bytes} bytes\n`);
  },
};
