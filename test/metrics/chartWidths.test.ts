import { describe, expect, it } from 'vitest';
import { renderChartSvg } from '../../main/chartRender';
import { dejaVuTextWidth } from '../../main/chartWidths';
import { latencyOption } from '../../src/metrics/charts';
import type { MetricsSeries } from '../../src/metrics/series';

describe('exported charts measure text as DejaVu Sans draws it', () => {
  it('widths from DejaVu Sans advance widths: digits 0.636 em, "i" narrow, bold wider', () => {
    expect(dejaVuTextWidth('0000', '11px DejaVu Sans')).toBeCloseTo((4 * 1303 * 11) / 2048, 6);
    expect(dejaVuTextWidth('iii', '12px sans-serif')).toBeLessThan(dejaVuTextWidth('mmm', '12px sans-serif') / 2);
    expect(dejaVuTextWidth('Throughput', 'bold 13px DejaVu Sans')).toBeGreaterThan(dejaVuTextWidth('Throughput', '13px DejaVu Sans'));
  });

  it('legend items in an exported SVG never touch: each starts past the end of the one before it', () => {
    const series = { windowMs: 250, nodes: ['n1'], windows: [{ endMs: 250, latencyMs: { p50: 1, p95: 2, p99: 3 }, latencyMsUncorrected: { p50: 1, p95: 2, p99: 3 }, violations: {}, commitIndex: {}, messagesByLink: {} }], faults: [], markers: [] } as unknown as MetricsSeries;
    const svg = renderChartSvg(latencyOption(series));
    const items = [...svg.matchAll(/<text[^>]*font-size:11px[^>]*x="(\d+(?:\.\d+)?)"[^>]*transform="translate\(([\d.]+) ([\d.]+)\)"[^>]*>([^<]+)<\/text>/g)].map((match) => ({ x: Number(match[1]) + Number(match[2]), y: Number(match[3]), text: match[4] as string }));
    const legend = items.filter((item) => ['p50', 'p95', 'p99', 'p99 uncorrected (from the issue)'].includes(item.text));
    expect(legend.map((item) => item.text)).toEqual(['p50', 'p95', 'p99', 'p99 uncorrected (from the issue)']);
    for (let i = 1; i < legend.length; i++) {
      const before = legend[i - 1]!;
      const here = legend[i]!;
      if (here.y !== before.y) continue;
      // The icon (14 px), its 5 px gap, the text as DejaVu draws it, then the 18 px item gap (src/metrics/charts.ts).
      expect(here.x - before.x, `${before.text} → ${here.text}`).toBeGreaterThanOrEqual(dejaVuTextWidth(before.text, '11px DejaVu Sans') + 14 + 5 + 18 - 0.01);
    }
  });
});
