import { messages, type Handlers, type InvokeName, type Result } from '../../../preload/contract.js';
import { WxError, toPayload } from '../errors/wx-error.js';

export const isInvokeName = (name: string): name is InvokeName => Object.prototype.hasOwnProperty.call(messages, name);

/**
 * One message in, one Result out: validates the input against the contract's schema, runs
 * the handler, and turns anything thrown into a stable error payload. Both the Electron IPC
 * handlers and the loopback bridge go through here, so they cannot differ.
 */
export async function dispatch(handlers: Handlers, name: string, input: unknown): Promise<Result<unknown>> {
  if (!isInvokeName(name)) return { ok: false, error: new WxError('INPUT_UNKNOWN_COMMAND', { command: name }).toPayload() };
  const parsed = messages[name].input.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length ? issue.path.join('.') : 'input';
    return { ok: false, error: new WxError('INPUT_INVALID', { field, detail: issue.message, allowed: { zh: '见表单', en: 'see the form' } }).toPayload() };
  }
  try {
    const handler = handlers[name] as (i: unknown) => unknown;
    return { ok: true, value: await handler(parsed.data) };
  } catch (e) {
    return { ok: false, error: toPayload(e) };
  }
}
