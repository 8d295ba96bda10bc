import { describe, expect, it } from 'vitest';
import { parseBlock, parseDownlink, parseUplinkAnswer } from '../../main/core/fleet/protocol.js';

const downlink = {
  version: 4,
  host_app_id: 'wx0123456789abcdef',
  station: { code: 'A1', settings: { block_size: 500 } },
  products: [{ product_id: 1, model_name: 'M', english_name: null, id_template: null, keys: [{ key_version: 1, public_key_pem: 'pem' }], appids: [] }],
};

describe('the fleet protocol as the station reads it', () => {
  it('takes a downlink whole, lists it does not carry are empty', () => {
    expect(parseDownlink(downlink)).toEqual({
      ...downlink,
      products: [{ ...downlink.products[0], chinese_name: null, default_name: null }],
      revoked: [],
      registrations: [],
    });
  });

  it('refuses a downlink, block or uplink answer with a field missing or of the wrong kind: FLEET_BAD_RESPONSE naming it', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => parseDownlink({ ...downlink, version: '4' }), /downlink\.version/],
      [() => parseDownlink({ ...downlink, host_app_id: '' }), /host_app_id/],
      [() => parseDownlink({ ...downlink, products: [{ ...downlink.products[0], keys: [{ key_version: 1 }] }] }), /products\[0\]\.keys\[0\]\.public_key_pem/],
      [() => parseDownlink({ ...downlink, registrations: [{ product_id: 1, device_id: 'D', state: 'maybe' }] }), /registrations\[0\]\.state/],
      [() => parseDownlink([]), /not an object/],
      [() => parseBlock({ block_id: 'b', product_id: 1, key_version: 1, ids: [{ device_id: 'D1' }] }), /ids\[0\]\.signature/],
      [() => parseUplinkAnswer({ duplicates: 0 }), /accepted/],
    ];
    for (const [f, detail] of bad) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'FLEET_BAD_RESPONSE' });
      expect((err as Error).message).toMatch(detail);
    }
  });
});
