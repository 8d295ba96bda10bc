/**
 * Calling the contract from screens: `invoke` never throws (a defect becomes an INTERNAL
 * payload), `call` also shows any error as a notification and answers undefined.
 */
import type { Input, InvokeName, Output, Result } from '../../preload/contract';
import { getApi } from './api';
import { showError, unexpected } from './errors';

export async function invoke<K extends InvokeName>(name: K, input?: Input<K>): Promise<Result<Output<K>>> {
  try {
    return await getApi().invoke(name, input);
  } catch (e) {
    return { ok: false, error: unexpected(e) };
  }
}

export async function call<K extends InvokeName>(name: K, input?: Input<K>): Promise<Output<K> | undefined> {
  const r = await invoke(name, input);
  if (r.ok) return r.value;
  showError(r.error);
  return undefined;
}
