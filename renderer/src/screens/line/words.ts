/** How a unit's progress and result read to an operator. */
import type { ErrorPayload, Locale, SlotView, Step, UnitResult } from '../../../../preload/contract';
import type { MessageKey, TFunction } from '../../i18n';

export const STEP_WORDS: Record<Step, MessageKey> = {
  hello: 'step.hello',
  mes_check: 'step.mesCheck',
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

/**
 * `color` on white (the one-line previous result); `fill` is the whole tile while the unit is on
 * the fixture, with white text: each dark enough for small white text (contrast 5:1 and more).
 */
export const RESULT_STYLE: Record<UnitResult['result'], { color: string; fill: string; label: MessageKey }> = {
  PASS: { color: '#389e0d', fill: '#237804', label: 'result.pass' },
  FAIL: { color: '#cf1322', fill: '#cf1322', label: 'result.fail' },
  EXISTING: { color: '#0958d9', fill: '#0958d9', label: 'result.existing' },
};

export const LOST_STYLE = { color: '#ad4e00', border: '#d46b08', background: '#fff7e6' };

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

/** What the tile says about a result: why (reason), what to do (next), and the error whole for 详情. */
export interface ResultWords {
  reason: string;
  next: string;
  error: ErrorPayload | null;
}

/**
 * A FAIL says the error's message and its operator hint (never the engineer detail), with the
 * step in the operator's words; PASS and EXISTING say what the station found.
 */
export function resultWords(u: UnitResult, locale: Locale, t: TFunction): ResultWords {
  const inWords = (text: string | null) => stepInWords(text, u.step, locale, t(STEP_WORDS[u.step]));
  if (u.result === 'PASS') return { reason: inWords(reasonOf(u, locale)) ?? t('tile.passReason'), next: t('tile.next.pass'), error: null };
  if (u.result === 'EXISTING') return { reason: inWords(reasonOf(u, locale)) ?? t('tile.existingReason'), next: t('tile.next.existing'), error: null };
  if (u.error) {
    const en = locale === 'en';
    return { reason: inWords(en ? u.error.message_en : u.error.message_zh) || t('tile.failReason'), next: (en ? u.error.hint_en : u.error.hint_zh) || t('tile.next.fail'), error: u.error };
  }
  const parts = splitReason(inWords(reasonOf(u, locale)) ?? '', locale);
  return { reason: parts.reason || t('tile.failReason'), next: parts.hint ?? t('tile.next.fail'), error: null };
}
