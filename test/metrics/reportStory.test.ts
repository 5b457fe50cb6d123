import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';
import { reportHtml } from '../../main/report';
import { runExperiment } from '../../src/experiment/run';
import { nodeRunOptions } from '../../workers/runOptions';

/** Issue 17: the self-contained report tells the story: counterexamples as timelines (SVG) with the serving replica and bands, violations grouped. */
describe('report.html: counterexample timelines and grouped lists', () => {
  it('draws each failing key as an SVG timeline over the CP/AP band, and groups the violations by kind', () => {
    const experiment = { ...loadExperiment('raft-partition-ap'), durationMs: 6000 };
    const result = runExperiment(experiment, nodeRunOptions());
    const html = reportHtml({ experiment, summary: result.summary, charts: [], violations: result.violations, linearizability: result.linearizability, metrics: result.metrics, operations: result.operations });
    expect(result.linearizability?.failures.length ?? 0).toBeGreaterThan(0);
    const timelines = html.match(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*aria-label="Counterexample on key/g) ?? [];
    expect(timelines.length).toBe(Math.min(6, result.linearizability?.failures.length ?? 0));
    // The AP policy band (the preset runs AP throughout) under the lanes.
    expect(html).toMatch(/<title>AP<\/title><rect /);
    expect(html).toMatch(/client \d+ → n\d/);
    expect(html).toMatch(/<summary><strong>staleRead ×\d+<\/strong> \(keys k1/);
    // Readable times, value and time apart: "… · 5.047 s → 5.073 s (25.9 ms)".
    expect(html).toMatch(/<\/code> · [\d.]+ m?s → [\d.]+ m?s \([\d.]+ ms\)/);
    expect(html).not.toMatch(/<script/);
  }, 60_000);
});
