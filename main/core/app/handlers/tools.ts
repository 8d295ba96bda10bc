import type { Handlers } from '../../../../preload/contract.js';
import { WxError } from '../../errors/wx-error.js';
import { PUSH_MSG_MAX_BYTES, utf8Bytes } from '../../ids/validate.js';
import { KeyService } from '../../keys/key-service.js';
import { listAdbPorts } from '../../adb/adb-ports.js';
import { listPorts } from '../../serial/ports.js';
import type { AppCore } from '../app-core.js';
import { logFile, tailLog } from '../logs-tail.js';
import { recentPorts } from '../recent-ports.js';

type Names = 'tools.push' | 'tools.sign' | 'logs.tail' | 'ports.list';

/** The engineer's tools: a push, a signature, the log, the ports. */
export function toolsHandlers(core: AppCore): Pick<Handlers, Names> {
  return {
    'tools.push': async ({ push_token, msg }) => {
      const bytes = utf8Bytes(msg);
      // Refused before a mode or a client is needed, whatever a page sent.
      if (bytes > PUSH_MSG_MAX_BYTES) throw new WxError('INPUT_MSG_TOO_LARGE', { bytes });
      await core.runtime().ctx.wechat().pushAppMsg(push_token, msg);
      return { bytes };
    },
    'tools.sign': ({ product_id, device_id, key_version }) => {
      const s = new KeyService(core.runtime().ctx).signer(product_id, key_version);
      return { product_id, device_id, key_version: s.key_version, signature: s.sign(device_id) };
    },
    'logs.tail': ({ lines }) => {
      core.flushLog();
      return tailLog(logFile(core.dataDir()), lines);
    },
    'ports.list': async () => {
      const simulated = safeWorld(core)?.ports() ?? [];
      const given = [...core.slots().map((s) => s.spec), ...recentPorts(core.kv)];
      // Android units on this computer's ADB server too; with none running the list just has none.
      const [listed, adb] = await Promise.all([listPorts({ given }), listAdbPorts(core.env)]);
      return [...simulated, ...[...listed, ...adb.ports].filter((p) => !simulated.some((s) => s.path === p.path))];
    },
  };
}

const safeWorld = (core: AppCore) => {
  try {
    return core.runtime().world;
  } catch {
    return undefined;
  }
};
