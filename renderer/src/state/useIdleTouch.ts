/**
 * Engineer mode locks itself after idle time, judged by the core (so the bridge obeys it too).
 * Typing and clicking in a setup form sends nothing to the core until Save: this tells it that
 * someone is at work (`lock.touch`), at most once per TOUCH_EVERY_MS. Nothing is sent on the
 * Line screen: an operator working the line does not keep setup open.
 */
import { useEffect, useRef } from 'react';
import { invoke } from '../call';

export const TOUCH_EVERY_MS = 30_000;

export function useIdleTouch(active: boolean): void {
  const last = useRef(0);
  useEffect(() => {
    if (!active) return;
    const onInput = () => {
      const now = Date.now();
      if (now - last.current < TOUCH_EVERY_MS) return;
      last.current = now;
      void invoke('lock.touch');
    };
    window.addEventListener('keydown', onInput, true);
    window.addEventListener('pointerdown', onInput, true);
    return () => {
      window.removeEventListener('keydown', onInput, true);
      window.removeEventListener('pointerdown', onInput, true);
    };
  }, [active]);
}
