import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { ChartOption } from '../src/metrics/charts';

export const chartWidth = 900;
export const chartHeight = 320;

/** Renders an ECharts option to SVG in plain Node (server-side rendering, no DOM). */
export function renderChartSvg(option: ChartOption, width = chartWidth, height = chartHeight): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** SVG → PNG at 2× for sharp text (system fonts; DejaVu on Debian). */
export function renderSvgToPng(svg: string, widthPx = chartWidth * 2): Uint8Array {
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: widthPx }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' }).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
