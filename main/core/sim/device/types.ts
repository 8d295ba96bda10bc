/** What a simulated WXP/1 unit holds and how it can misbehave. See PROTOCOL.md. */

/** The five values WMPF needs, in the order READ answers them. */
export const IDENTITY_KEYS = ['host_app_id', 'product_id', 'key_version', 'device_id', 'signature'] as const;
export type IdentityKey = (typeof IDENTITY_KEYS)[number];
export type Identity = Record<IdentityKey, string>;

export type DeviceState = 'blank' | 'written' | 'locked';

export const DEVICE_FAULTS = ['noise', 'badcrc', 'pull', 'silent', 'locked', 'erase-denied', 'flash', 'proto2', 'lossy', 'flicker'] as const;
/**
 * - `noise`: boot banners, `#` log lines and garbage bytes between answers; answers arrive in pieces
 * - `badcrc`: the first answer (only that one) carries a wrong CRC
 * - `pull`: answers WRITE, then never says anything again (pulled off the fixture mid-write)
 * - `silent`: never says anything, not even EVENT BOOT
 * - `locked`: starts locked with PRELOCKED_IDENTITY when its store holds no identity
 * - `erase-denied`: production firmware: ERASE answers DENIED
 * - `flash`: COMMIT answers FLASH and keeps nothing
 * - `proto2`: HELLO answers proto=2
 * - `lossy`: once locked, of every three HELLOs it answers one normally, drops one and corrupts one's CRC
 * - `flicker`: every HELLO answers another hwid (a broken id source, or two units on one line)
 */
export type DeviceFault = (typeof DEVICE_FAULTS)[number];

export const isDeviceFault = (s: string): s is DeviceFault => (DEVICE_FAULTS as readonly string[]).includes(s);

/** The identity a `locked` unit starts with. */
export const PRELOCKED_IDENTITY: Identity = {
  host_app_id: 'wx0a1b2c3d4e5f6071',
  product_id: '20001',
  key_version: '1',
  device_id: 'PRELOCKED001',
  signature: 'MEYCIQDm7gSjxsgK/SScX5X7ooPDNyTRVZPfh7Gi0jXLqp0RBAIhANn9g/MxyLyQbY9c3hTKCZt9Ho0FrHxw2fsNmgWhDAU7',
};

/**
 * How the unit reaches the platform for the end-of-line push test: TOKEN registers the
 * unit's push token, and every push sent to a token registered through this hook is handed
 * to the onPush listeners (the hook filters by token).
 */
export interface PushHook {
  registerToken(token: string): Promise<void>;
  /** Returns an unsubscribe function. */
  onPush(cb: (msg: string) => void): () => void;
}
