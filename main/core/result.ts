import type { ErrorPayload } from './errors/wx-error.js';

/**
 * What crosses a process edge (IPC, the loopback bridge, a worker): never a raw exception,
 * always either a value or a stable error payload the other side can show in its language.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
