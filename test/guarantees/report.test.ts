import { describe, expect, it } from 'vitest';
import { guaranteesHtml, guaranteesSectionHtml } from '../../main/guaranteesReport';
import { guaranteesTable } from '../../src/experiment/guarantees';
import type { RunSummary } from '../../src/experiment/summary';

const holds = { status: 'holds' as const };
const violated = { status: 'violated' as const, key: 'k1', operations: [3, 4], explanation: 'read an older value' };
function summary(staleRead: number, linearizable: typeof holds | typeof violated): RunSummary {
  return {
    violations: { linearizability: 0, staleRead, lostWrite: 0, monotonicRead: 0, readYourWrites: 0, divergence: 0 },
    models: { linearizable, sequentialPerKey: holds, readYourWrites: holds, monotonicReads: holds, monotonicWrites: holds, writesFollowReads: holds },
  } as unknown as RunSummary;
}

describe('the guarantees table in the HTML report', () => {
  it('shows each cell with its documented claim, the documentation quoted and linked, and flags a contradiction', () => {
    const rows = guaranteesTable([
      { profile: 'etcd-linearizable', scenario: 'partition', seed: 4, summary: summary(2, violated) },
      { profile: 'etcd-serializable', scenario: 'healthy', seed: 1, summary: summary(5, violated) },
    ]);
    const html = guaranteesSectionHtml(rows);
    expect(html).toContain('<h2>What the documentation says, beside what the lab saw</h2>');
    expect(html).toContain('1 of 1 run<br><small>documented: never</small><strong class="fails"> CONTRADICTS THE DOCUMENTATION</strong>');
    expect(html).toContain('title="partition ×1 (seed 4)"');
    expect(html).toContain('href="https://etcd.io/docs/v3.5/learning/api_guarantees/"');
    expect(html).toMatch(/2 cells contradict the documented claims: etcd-linearizable: stale read, etcd-linearizable: not linearizable/);
    expect(html).not.toMatch(/etcd-serializable: stale read/);
    expect(guaranteesHtml(rows, 1)).toMatch(/^<!doctype html>[\s\S]*default-src 'none'[\s\S]*<\/html>\n$/);
  });
});
