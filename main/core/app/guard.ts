import { messages, type Handlers, type InvokeName, type MessageSpec, type WhenLocked } from '../../../preload/contract.js';
import { WxError, isWxError } from '../errors/wx-error.js';
import { redactor } from '../log/redact.js';
import type { AppCore } from './app-core.js';

const specOf = (name: string): Partial<MessageSpec> | undefined =>
  Object.prototype.hasOwnProperty.call(messages, name) ? (messages as Record<string, MessageSpec>)[name] : undefined;

/**
 * What a message may do while locked, as its contract entry declares it. Anything not declared
 * 'allow' or 'partly' — a name the contract lacks, an entry gone wrong — is refused: a lock that
 * failed open would hand the line's setup to whoever stands at it.
 */
export function lockRule(name: string): WhenLocked {
  const rule = specOf(name)?.whenLocked;
  return rule === 'allow' || rule === 'partly' ? rule : 'deny';
}

/** Whether a message is engineer work: it restarts the idle time of engineer mode (MessageSpec.activity). */
export const isEngineerWork = (name: string): boolean => specOf(name)?.activity !== 'passive';

/** Answers that are (or change) the app state: the state goes out as an `app` event too. */
const STATE_ANSWERS: ReadonlySet<InvokeName> = new Set<InvokeName>([
  'app.chooseMode',
  'app.setLocale',
  'app.setPrefs',
  'app.setApiBase',
  'credentials.set',
  'keystore.setup',
  'keystore.unlock',
  'products.select',
  'station.setCode',
  'slots.set',
  'fleet.join',
  'lock.setPin',
  'lock.lock',
  'lock.unlock',
]);

/** Answers that changed what the line shows: a `line` event follows (through the line's throttle). */
const LINE_ANSWERS: ReadonlySet<InvokeName> = new Set<InvokeName>(['app.chooseMode', 'app.setApiBase', 'credentials.set', 'products.select', 'slots.set', 'station.setCode', 'fleet.join']);

/**
 * Every handler behind the same edge: the lock, the state events, and errors — a WxError
 * passes as it is; anything else is a defect, logged and turned into INTERNAL with its text
 * redacted, never thrown raw.
 */
export function guard(core: AppCore, table: Handlers): Handlers {
  const out: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of Object.keys(table) as InvokeName[]) {
    const h = table[name] as (input: unknown) => unknown;
    out[name] = async (input: unknown) => {
      try {
        // Idle time is judged first: a message arriving after engineer mode ran out finds it locked.
        if (isEngineerWork(name)) core.lock.touch();
        if (lockRule(name) === 'deny') core.lock.assertUnlocked();
        const value = await h(input);
        if (STATE_ANSWERS.has(name)) core.emit('app', core.state());
        if (LINE_ANSWERS.has(name)) core.line.touch();
        return value;
      } catch (e) {
        if (isWxError(e)) throw e;
        const detail = redactor.redact(e instanceof Error ? e.message : String(e));
        try {
          core.runtime().ctx.log.error('app.internal', { handler: name, error: detail, stack: e instanceof Error ? redactor.redact(e.stack ?? '') : undefined });
        } catch {
          // no mode yet: nowhere to log
        }
        throw new WxError('INTERNAL', { detail });
      }
    };
  }
  return out as unknown as Handlers;
}
