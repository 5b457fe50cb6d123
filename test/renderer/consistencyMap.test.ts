import { createSSRApp } from 'vue';
import { renderToString } from '@vue/server-renderer';
import { describe, expect, it } from 'vitest';
import ResultsConsistencyMap from '../../renderer/components/ResultsConsistencyMap.vue';
import type { ModelsBlock } from '../../src/checker/consistencyMap';

// The results screen's consistency map (ARCHITECTURE §6), rendered on the server: the strongest
// model the run satisfied is the one highlighted, and each violated model links to the operations
// of its counterexample.

const render = (models: ModelsBlock | null): Promise<string> => renderToString(createSSRApp(ResultsConsistencyMap, { models }));

/** The `<g>` of one model's box, as rendered. */
function box(html: string, model: string): string {
  const match = new RegExp(`<g [^>]*data-model="${model}"[^>]*>`).exec(html);
  if (match === null) throw new Error(`no box for ${model}`);
  return match[0];
}

const holds = { status: 'holds' } as const;
/** A run that is sequentially consistent per key but not linearizable, and broke read-your-writes (a stale read of one's own write). */
const staleRun: ModelsBlock = {
  linearizable: { status: 'violated', key: 'k1', operations: [3, 4, 7], explanation: 'read of k1 returned 1 after the write of 2 completed' },
  sequentialPerKey: holds,
  readYourWrites: holds,
  monotonicReads: holds,
  monotonicWrites: { status: 'not checked', reason: 'no client wrote twice' },
  writesFollowReads: { status: 'unknown', reason: 'the search stopped (timeout)' },
};

describe('ResultsConsistencyMap', () => {
  it('highlights the strongest model held, and only it', async () => {
    const html = await render(staleRun);
    expect(html).toContain('Strongest held: sequentially consistent (per key).');
    expect(box(html, 'sequentialPerKey')).toMatch(/class="model holds strongest"/);
    for (const model of ['linearizable', 'readYourWrites', 'monotonicReads', 'monotonicWrites', 'writesFollowReads']) expect(box(html, model)).not.toContain('strongest');
    expect(box(html, 'monotonicWrites')).toContain('data-status="not checked"');
    expect(box(html, 'writesFollowReads')).toContain('data-status="unknown"');
  });

  it('a violated model is a link to its counterexample: its box is a button and its line names the operations', async () => {
    const html = await render(staleRun);
    const violated = box(html, 'linearizable');
    expect(violated).toContain('data-status="violated"');
    expect(violated).toContain('role="button"');
    expect(violated).toContain('tabindex="0"');
    // A box that held is not a button.
    expect(box(html, 'readYourWrites')).not.toContain('role="button"');
    expect(html).toMatch(/<button data-testid="consistency-counterexample-linearizable" aria-label="Open the counterexample of linearizable in the replay"[^>]*>\s*operations 3, 4, 7 →\s*<\/button>/);
    expect(html).toContain('read of k1 returned 1 after the write of 2 completed (key k1)');
    expect(html.match(/data-testid="consistency-counterexample-/g)).toHaveLength(1);
  });

  it('a linearizable run highlights linearizable; a run where nothing held says so and highlights nothing', async () => {
    const allHeld: ModelsBlock = { linearizable: holds, sequentialPerKey: holds, readYourWrites: holds, monotonicReads: holds, monotonicWrites: holds, writesFollowReads: holds };
    const held = await render(allHeld);
    expect(held).toContain('Strongest held: linearizable.');
    expect(box(held, 'linearizable')).toContain('strongest');
    expect(held).not.toContain('consistency-counterexample-');

    const broken = (operations: number[]) => ({ status: 'violated', key: 'k2', operations, explanation: 'broken' }) as const;
    const none: ModelsBlock = { linearizable: broken([1]), sequentialPerKey: broken([2]), readYourWrites: broken([3]), monotonicReads: broken([4]), monotonicWrites: broken([5]), writesFollowReads: broken([6]) };
    const nothing = await render(none);
    expect(nothing).toContain('No model held.');
    expect(nothing).not.toMatch(/class="[^"]*strongest/);
    expect(nothing.match(/data-testid="consistency-counterexample-/g)).toHaveLength(6);
    expect(nothing).toMatch(/consistency-counterexample-writesFollowReads[^>]*>\s*operations 6 →/);
  });
});
