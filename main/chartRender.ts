import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { ChartOption } from '../src/metrics/charts';
import { dejaVuTextWidth } from './chartWidths';

// Server-side ECharts has no canvas to measure text: it would guess narrower than DejaVu Sans, the
// font resvg draws with, and legend items would touch. Measure as DejaVu does.
echarts.setPlatformAPI({ measureText: (text, font) => ({ width: dejaVuTextWidth(text, font) }) });

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
