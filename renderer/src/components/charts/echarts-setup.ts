/**
 * The one place that registers ECharts' pieces: only what our charts use, from `echarts/core`,
 * so the bundle does not carry the whole library. SVG, not canvas: the charts are small, the
 * text stays real text (readable by tests and screen readers) and it looks sharp at any zoom.
 */
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, type GridComponentOption, type LegendComponentOption, type TooltipComponentOption } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, SVGRenderer]);

/** The options our charts may set: the registered pieces only (a typo'd series type fails tsc). */
export type ChartOption = echarts.ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption>;

export { echarts };
