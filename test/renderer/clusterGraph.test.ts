import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { directedSegment, nodePositions, pointAlong } from '../../renderer/diagram/clusterLayout';
import { commonFaultsNote, commonFaultsOf, faultWords, linkDrawing, linkSummary, percentText } from '../../renderer/diagram/linkFaults';
import { setLabHost } from '../../renderer/lab/labHost';
import { type LinkState, useClusterStore, validLinks } from '../../renderer/stores/cluster';
import { groupsSpec, useNetworkStore } from '../../renderer/stores/network';
import { useRunStore } from '../../renderer/stores/run';
import { type FakeAnswers, type FakeCall, fakeLabHost } from './fakeLabHost';

const link = (from: string, to: string, faults: Partial<LinkState> = {}): LinkState => ({ from, to, cut: false, drop: 0, duplicate: 0, reorder: 0, latencyOverridden: false, ...faults });

/** Every directed link of `nodes`, healthy unless `faults` names it ("n1>n2"). */
function allLinks(nodes: readonly string[], faults: Record<string, Partial<LinkState>> = {}): LinkState[] {
  return nodes.flatMap((from) => nodes.filter((to) => to !== from).map((to) => link(from, to, faults[`${from}>${to}`])));
}

describe('the cluster graph’s layout', () => {
  const geometry = { widthPx: 440, heightPx: 330, boxWidthPx: 140, boxHeightPx: 74 };

  it('puts the replicas on an ellipse inside the drawing, the first at the top', () => {
    const positions = nodePositions(5, geometry);
    expect(positions[0]!.x).toBeCloseTo(220);
    for (const point of positions) {
      expect(point.x - 70).toBeGreaterThanOrEqual(0);
      expect(point.x + 70).toBeLessThanOrEqual(440);
      expect(point.y - 37).toBeGreaterThanOrEqual(0);
      expect(point.y + 37).toBeLessThanOrEqual(330);
    }
  });

  it('draws the two directions of a link as two parallel lines, outside both boxes', () => {
    const a = { x: 100, y: 100 };
    const b = { x: 400, y: 100 };
    const there = directedSegment(a, b, geometry);
    const back = directedSegment(b, a, geometry);
    // Left to right runs below the centre line (screen y grows downwards), right to left above.
    expect(there.y1).toBeGreaterThan(100);
    expect(back.y1).toBeLessThan(100);
    expect(there.x1).toBeGreaterThan(100 + 70);
    expect(there.x2).toBeLessThan(400 - 70);
    expect(pointAlong(there, 0.5).x).toBeCloseTo(250);
    expect(pointAlong(there, 0).x).toBe(there.x1);
  });
});

describe('link faults in words', () => {
  it('rounds to whole percents without rounding a real fault away', () => {
    expect(percentText(0.3)).toBe('30%');
    expect(percentText(0.004)).toBe('<1%');
    expect(percentText(0)).toBe('0%');
  });

  it('names a one-way cut and a lossy link, and says faults every link shares once', () => {
    const nodes = ['n1', 'n2', 'n3'];
    const links = allLinks(nodes, { 'n1>n2': { cut: true, drop: 0.1 }, 'n2>n3': { drop: 0.3, duplicate: 0.05, latencyOverridden: true } }).map((each) => ({ ...each, reorder: 0.2 }));
    const common = commonFaultsOf(links);
    expect(common).toEqual({ drop: 0, duplicate: 0, reorder: 0.2, latencyOverridden: false });
    expect(faultWords(links.find((each) => each.from === 'n1' && each.to === 'n2')!, common, 'short')).toEqual(['drop 10%']);
    expect(faultWords(links.find((each) => each.from === 'n2' && each.to === 'n3')!, common, 'short')).toEqual(['drop 30%', 'dup 5%', 'slow']);
    expect(linkSummary(links)).toEqual(['n1→n2 cut, drops 10%', 'n2→n3 drops 30%, duplicates 5%, has its own latency (slow)', 'Every link reorders 20%']);
    expect(commonFaultsNote(common)).toBe('Every link reorders 20%');
  });

  it('draws both directions of every pair, and labels each link’s own faults once per pair when both say the same', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4'];
    const geometry = { widthPx: 440, heightPx: 330, boxWidthPx: 140, boxHeightPx: 74 };
    const links = allLinks(nodes, { 'n1>n2': { drop: 0.3 }, 'n2>n1': { drop: 0.3 }, 'n3>n4': { latencyOverridden: true }, 'n4>n3': { cut: true } });
    const drawing = linkDrawing({ nodes, positions: nodePositions(4, geometry), geometry, links, downNodes: new Set(['n4']) });
    expect(drawing.directions).toHaveLength(12);
    expect(drawing.directions.filter((direction) => direction.cut).map((direction) => direction.key)).toEqual(['n4>n3']);
    expect(drawing.directions.filter((direction) => direction.down)).toHaveLength(6);
    expect(drawing.directions.find((direction) => direction.key === 'n3>n4')?.title).toBe('n3 → n4: has its own latency (slow)');
    expect(drawing.labels.map((label) => [label.key, label.text])).toEqual([
      ['n1-n2', 'drop 30%'],
      ['n3>n4', 'slow'],
    ]);
    for (const label of drawing.labels) {
      expect(label.x).toBeGreaterThan(0);
      expect(label.x).toBeLessThan(geometry.widthPx);
    }
    // Before the first poll every line is drawn, healthy.
    expect(linkDrawing({ nodes, positions: nodePositions(4, geometry), geometry, links: [], downNodes: new Set() }).directions.every((direction) => !direction.cut && !direction.lossy)).toBe(true);
  });

  it('says every link is healthy, or that none was reported yet', () => {
    expect(linkSummary(allLinks(['n1', 'n2']))).toEqual(['Every link is healthy']);
    expect(linkSummary([])).toEqual(['No link state reported yet']);
    expect(commonFaultsNote(commonFaultsOf(allLinks(['n1', 'n2'])))).toBeNull();
  });
});

describe('the cluster store’s links and drawn partitions', () => {
  it('keeps the valid links and names the first bad one', () => {
    expect(validLinks(undefined)).toEqual({ links: [], problem: null });
    expect(validLinks('x').problem).toContain('expected an array');
    const checked = validLinks([link('n1', 'n2', { drop: 0.5 }), { ...link('n2', 'n1'), drop: 3 }, { from: 'n1' }]);
    expect(checked.links).toEqual([link('n1', 'n2', { drop: 0.5 })]);
    expect(checked.problem).toMatch(/^runState links\.1: drop /);
  });

  it('turns drawn groups into an explicit partition, the replicas in no group as one more', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    expect(groupsSpec(nodes, { n1: 'A', n2: 'A', n3: 'B' })).toEqual({ spec: [['n1', 'n2'], ['n3'], ['n4', 'n5']] });
    expect(groupsSpec(nodes, { n1: 'A', n2: 'C' })).toEqual({ spec: [['n1'], ['n2'], ['n3', 'n4', 'n5']] });
    expect(groupsSpec(nodes, { n1: 'A' })).toEqual({ spec: [['n1'], ['n2', 'n3', 'n4', 'n5']] });
    expect(groupsSpec(nodes, Object.fromEntries(nodes.map((node) => [node, 'B'])))).toHaveProperty('problem');
    expect(groupsSpec(nodes, {})).toHaveProperty('problem');
    expect(groupsSpec(nodes, { n7: 'A', n1: 'B' })).toEqual({ problem: 'Not a replica of this run: n7' });
  });

  let calls: FakeCall[];
  let linksAnswer: unknown;
  beforeEach(() => {
    setActivePinia(createPinia());
    linksAnswer = allLinks(['n1', 'n2', 'n3'], { 'n2>n1': { cut: true } });
    const answers: FakeAnswers = {
      runState: (request) => ({ runId: request.runId, nowMs: 5, done: false, paused: false, consistency: 'cp', nodes: ['n1', 'n2', 'n3'].map((id) => ({ id, up: true, paused: false, driftPpm: 0, view: null })), links: linksAnswer, summary: null }),
      partition: () => ({ description: '{n1} | {n2,n3}' }),
    };
    const fake = fakeLabHost(answers);
    calls = fake.calls;
    setLabHost(fake.host);
    const run = useRunStore();
    run.runId = 'run-1';
    run.nodes = ['n1', 'n2', 'n3'];
    run.status = 'running';
  });

  it('polls every directed link with the nodes; a bad link is named once and the rest stay drawn', async () => {
    const cluster = useClusterStore();
    await cluster.refresh();
    expect(cluster.links).toHaveLength(6);
    expect(cluster.links.filter((each) => each.cut).map((each) => `${each.from}>${each.to}`)).toEqual(['n2>n1']);
    const polled = cluster.links;
    await cluster.refresh();
    expect(cluster.links).toBe(polled); // the same links keep their array: nothing redraws
    linksAnswer = [link('n1', 'n2'), { ...link('n1', 'n3'), cut: 'yes' }];
    await cluster.refresh();
    expect(cluster.links).toEqual([link('n1', 'n2')]);
    expect(cluster.error).toMatch(/^Could not draw every link: runState links\.1: cut /);
    linksAnswer = allLinks(['n1', 'n2', 'n3']);
    await cluster.refresh();
    expect(cluster.error).toBeNull();
    cluster.reset('cp');
    expect(cluster.links).toEqual([]);
  });

  it('applies drawn groups as one partition call, and refuses fewer than two groups without calling', async () => {
    const cluster = useClusterStore();
    const network = useNetworkStore();
    await cluster.refresh();
    expect(await network.partitionIntoGroups({ n1: 'A', n2: 'B', n3: 'B' })).toBe(true);
    expect(calls.filter((call) => call.call === 'partition').map((call) => call.request)).toEqual([{ runId: 'run-1', spec: [['n1'], ['n2', 'n3']] }]);
    expect(network.partition).toBe('{n1} | {n2,n3}');
    expect(await network.partitionIntoGroups({ n1: 'A', n2: 'A', n3: 'A' })).toBe(false);
    expect(cluster.error).toContain('at least two groups');
    expect(calls.filter((call) => call.call === 'partition')).toHaveLength(1);
  });
});
