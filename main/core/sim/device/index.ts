export { SimDevice, DEFAULT_FW, type SimDeviceOptions } from './sim-device.js';
export { SimFixture, DEFAULT_GAP_MS, DEFAULT_SWAP_MS, HWID_PREFIX_RE, SESSION_GAP_MS, SWAP_AFTER, type SimFixtureOptions, type SwapAfter } from './fixture.js';
export { pacedLink, BITS_PER_BYTE } from './paced-link.js';
export { memoryStore, jsonFileStore, type DeviceStore, type DeviceRecord } from './store.js';
export { wechatPushHook, httpPushHook, type HttpPushHookOptions } from './push-hook.js';
export { checkWrite } from './identity.js';
export {
  IDENTITY_KEYS,
  DEVICE_FAULTS,
  PRELOCKED_IDENTITY,
  isDeviceFault,
  type Identity,
  type IdentityKey,
  type DeviceState,
  type DeviceFault,
  type PushHook,
} from './types.js';
