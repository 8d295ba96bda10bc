/**
 * The yield view's words, in the shared dictionaries under `fleet.yield.*` (and the dashboard's
 * names of the unit's steps under `fleet.step.*`), so they follow the language switch and the
 * dictionaries' checks like every other text.
 */
import { useCallback } from 'react';
import { useT, type MessageKey, type Params } from '../i18n';
import { STEP_WORDS } from '../screens/line/words';

export type YieldWord = MessageKey extends infer K ? (K extends `fleet.yield.${infer W}` ? W : never) : never;

export function useYieldWords(): { w: (key: YieldWord, params?: Params) => string; step: (s: string) => string } {
  const t = useT();
  const w = useCallback((key: YieldWord, params?: Params) => t(`fleet.yield.${key}` as MessageKey, params), [t]);
  // A step this dashboard does not know by name shows as the station sent it.
  const step = useCallback((s: string) => (s in STEP_WORDS ? t(`fleet.step.${s}` as MessageKey) : s), [t]);
  return { w, step };
}
