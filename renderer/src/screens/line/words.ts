/** How a unit's progress and result read to an operator. */
import type { Locale, SlotView, Step, UnitResult } from '../../../../preload/contract';
import type { MessageKey } from '../../i18n';

export const STEP_WORDS: Record<Step, MessageKey> = {
  hello: 'step.hello',
  erase: 'step.erase',
  read: 'step.read',
  allocate: 'step.allocate',
  write: 'step.write',
  readback: 'step.readback',
  verify: 'step.verify',
  commit: 'step.commit',
  confirm: 'step.confirm',
  record: 'step.record',
  push_test: 'step.pushTest',
};

export const STATE_WORDS: Record<SlotView['state'], MessageKey> = {
  idle: 'slot.idle',
  opening: 'slot.opening',
  waiting: 'slot.waiting',
  busy: 'slot.busy',
  lost: 'slot.lost',
};

export const RESULT_STYLE: Record<UnitResult['result'], { color: string; background: string; label: MessageKey }> = {
  PASS: { color: '#389e0d', background: '#f6ffed', label: 'result.pass' },
  FAIL: { color: '#cf1322', background: '#fff1f0', label: 'result.fail' },
  EXISTING: { color: '#0958d9', background: '#e6f4ff', label: 'result.existing' },
};

export const LOST_STYLE = { color: '#d46b08', background: '#fff7e6' };

/**
 * A FAIL reason is "<what happened>。<what to do>" (zh) or "<what happened>. <what to do>"
 * (en), as the station composes it from the error's message and hint; split it so the tile
 * can show the reason and the next action apart. Anything else stays whole.
 */
export function splitReason(text: string, locale: Locale): { reason: string; hint: string | null } {
  const sep = locale === 'en' ? '. ' : '。';
  const i = text.indexOf(sep);
  if (i <= 0 || i + sep.length >= text.length) return { reason: text, hint: null };
  return { reason: text.slice(0, i), hint: text.slice(i + sep.length) };
}

/** The result's reason in the current language (the other one if this one is missing). */
export function reasonOf(u: UnitResult, locale: Locale): string | null {
  return locale === 'en' ? (u.reason ?? u.reason_zh) : (u.reason_zh ?? u.reason);
}

/**
 * The station's device messages name the step by its internal id (设备在“write”步骤…,
 * "at step write"); put the operator's word for it in its place.
 */
export function stepInWords(text: string | null, step: Step, locale: Locale, word: string): string | null {
  if (!text) return text;
  return locale === 'en' ? text.split(`at step ${step}`).join(`at step "${word}"`) : text.split(`“${step}”`).join(`“${word}”`);
}
