import { WxError, formatErrorLine } from '../../errors/wx-error.js';
import { readIdFile, type IdFileShape } from '../../ids/id-file.js';
import { batchSign } from '../../keys/batch-sign.js';
import { KeyService } from '../../keys/key-service.js';
import { oneOf, optInt, productId, str } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';
import { printJson } from '../output.js';

export const signCommand: Command = {
  path: ['sign'],
  usage: 'wxprov sign --product <id> (--device-id <d> | --file <csv>) [--key-version <k>] [--json]',
  summary: 'Sign device ids: one-line base64 DER ECDSA-SHA256 over <product_id>_<device_id>',
  options: { ...JSON_OPT, product: { type: 'string' }, 'device-id': { type: 'string' }, file: { type: 'string' }, 'key-version': { type: 'string' } },
  async run(v, _p, io) {
    const pid = productId(v, this.usage);
    const which = oneOf(v, ['device-id', 'file'], this.usage);
    const keys = new KeyService(io.context());
    const keyVersion = optInt(v, 'key-version', 1);
    if (which === 'device-id') {
      const signer = keys.signer(pid, keyVersion);
      const deviceId = str(v, 'device-id', this.usage);
      const signature = signer.sign(deviceId);
      if (v.json) printJson(io.stdout, { product_id: pid, key_version: signer.key_version, device_id: deviceId, signature });
      else io.stdout.write(signature + '\n');
      return;
    }
    // Batch: CSV on stdout even with --json (a JSON document of 100k signatures helps nobody);
    // --json then puts the summary on stderr as one JSON line. Signing runs on a pool of worker
    // threads, closed however the batch ends so the process can exit.
    const file = str(v, 'file', this.usage);
    let shape: IdFileShape | undefined;
    const { r, key_version } = await keys.withBatchSigner(pid, keyVersion, async (signer) => {
      const rows = readIdFile(file, (s) => (shape = s));
      return { r: await batchSign(rows, () => shape, signer, io.stdout), key_version: signer.key_version };
    });
    for (const bad of r.invalid.slice(0, 20)) {
      io.stderr.write(new WxError('INPUT_BAD_DEVICE_ID', { line: bad.line, detail: `${JSON.stringify(bad.device_id)}: ${bad.reason}` }).message + '\n');
    }
    if (r.invalid.length > 20) io.stderr.write(`... and ${r.invalid.length - 20} more invalid lines\n`);
    const doc = { signed: r.signed, invalid: r.invalid.length, key_version };
    io.stderr.write(v.json ? JSON.stringify(doc) + '\n' : `signed ${r.signed}, invalid ${r.invalid.length} (key_version ${key_version})\n`);
    return r.invalid.length > 0 ? 1 : 0;
  },
};

export const verifyCommand: Command = {
  path: ['verify'],
  usage: 'wxprov verify --product <id> --device-id <d> --signature <s> [--key-version <k>] [--json]',
  summary: "Check a device's signature against the product's public key (exit 1 when it does not match)",
  options: { ...JSON_OPT, product: { type: 'string' }, 'device-id': { type: 'string' }, signature: { type: 'string' }, 'key-version': { type: 'string' } },
  async run(v, _p, io) {
    const pid = productId(v, this.usage);
    const deviceId = str(v, 'device-id', this.usage);
    const r = new KeyService(io.context()).verify(pid, deviceId, str(v, 'signature', this.usage), optInt(v, 'key-version', 1));
    const doc = { valid: r.valid, product_id: pid, key_version: r.key_version, device_id: deviceId };
    if (!r.valid) {
      if (v.json) printJson(io.stdout, { ...doc, error: new WxError('SIGNATURE_INVALID').toPayload() });
      io.stderr.write(formatErrorLine(new WxError('SIGNATURE_INVALID').toPayload()) + '\n');
      return 1;
    }
    if (v.json) printJson(io.stdout, doc);
    else io.stdout.write(`valid (product ${pid}, key_version ${r.key_version})\n`);
  },
};
