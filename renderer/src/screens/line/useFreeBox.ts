/**
 * The room an element has from where it starts to the bottom of the window (less the padding of
 * the page content below it), and its width: what the tiles may fill without the page scrolling.
 * Measured again when the window, the element or anything above it changes size (a banner).
 * `ref` is a callback ref, so an element that appears later (after loading) is measured too.
 */
import { useLayoutEffect, useState } from 'react';

export interface Box {
  width: number;
  height: number;
}

export function useFreeBox(): { ref: (el: HTMLElement | null) => void; box: Box } {
  const [el, ref] = useState<HTMLElement | null>(null);
  const [box, setBox] = useState<Box>({ width: 0, height: 0 });
  useLayoutEffect(() => {
    if (!el) return;
    const measure = () => {
      const below = parseFloat(getComputedStyle(el.closest('main') ?? document.body).paddingBottom) || 0;
      const top = el.getBoundingClientRect().top + window.scrollY;
      const next = { width: el.clientWidth, height: Math.max(0, Math.floor(window.innerHeight - top - below)) };
      setBox((b) => (b.width === next.width && b.height === next.height ? b : next));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    ro.observe(document.body);
    window.addEventListener('resize', measure);
    return () => {
      ro.disconnect();
      window.removeEventListener('resize', measure);
    };
  }, [el]);
  return { ref, box };
}
