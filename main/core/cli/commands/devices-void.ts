import { Registry } from '../../registry/registry.js';
import { productId, str } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson } from '../output.js';

const USAGE = 'wxprov devices void --device-id <d> --reason <text> [--product <id>] [--json]';

/** Where the id's registration stands after the void, in words. */
const REGISTRATION_WORDS = {
  cancelled: 'its registration had not gone out and is cancelled',
  synced: 'it was already registered with the platform and stays registered (there is no call to take an id back)',
  never_queued: 'it was never queued for registration',
} as const;

export const devicesVoidCommand: Command = {
  path: ['devices', 'void'],
  usage: USAGE,
  summary: 'Mark an id void: never used again, its pending registration cancelled (audited)',
  options: { ...JSON_OPT, 'device-id': { type: 'string' }, reason: { type: 'string' }, product: { type: 'string' } },
  async run(v, _p, io) {
    const deviceId = str(v, 'device-id', USAGE);
    const reason = str(v, 'reason', USAGE);
    const pid = v.product === undefined ? undefined : productId(v, USAGE);
    const r = new Registry(io.context()).voidDevice(deviceId, reason, pid);
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(`void ${r.device_id} (product ${r.product_id}, was ${r.previous_status}): ${REGISTRATION_WORDS[r.registration]}\n`);
  },
};
