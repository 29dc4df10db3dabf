import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import type { EChartsCoreOption } from 'echarts/core';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  TitleComponent,
  SVGRenderer,
]);

/** Props of {@link Chart}. */
export interface ChartProps {
  /** An ECharts option (series, axes...); re-applied whenever it changes. */
  readonly option: EChartsCoreOption;
  readonly height?: number;
  /** Accessible label of the chart (what it shows). */
  readonly label: string;
}

/** ECharts (bar, line, pie; SVG renderer) in a React component that resizes with its box. */
export function Chart({ option, height = 260, label }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const instance = echarts.init(element, undefined, { renderer: 'svg' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ animation: false, ...option }, true);
  }, [option]);
  return <div ref={ref} className="ge-chart" role="img" aria-label={label} style={{ height }} />;
}
