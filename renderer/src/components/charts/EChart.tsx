/**
 * A thin React wrapper of our own around ECharts (no echarts-for-react: one less dependency,
 * and we control the life cycle): init on the div, setOption whenever the option changes,
 * resize with the div, dispose on unmount.
 */
import { useEffect, useRef, type CSSProperties } from 'react';
import { echarts, type ChartOption } from './echarts-setup';

export function EChart({ option, style, testId, label }: { option: ChartOption; style?: CSSProperties; testId?: string; label?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<typeof echarts.init> | null>(null);

  useEffect(() => {
    const div = el.current;
    if (!div) return;
    const c = echarts.init(div, null, { renderer: 'svg' });
    chart.current = c;
    // Resize on the next frame, not inside the observer: resizing there can feed the observer
    // again ("ResizeObserver loop" errors) when the chart's size nudges its container.
    let frame = 0;
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => c.resize());
    });
    ro.observe(div);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    // notMerge: the option is the whole picture (a series gone from the data goes from the chart).
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={el} role="img" aria-label={label} data-testid={testId} style={{ width: '100%', height: 300, ...style }} />;
}
