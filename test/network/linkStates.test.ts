import { describe, expect, it } from 'vitest';
import { nodeId, nodeIds } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import { NetworkModel, linkFaultsDefault } from '../../src/network/network';

const model = () => new NetworkModel(nodeIds(3), linkFaultsDefault, prngStream(1, 'network'));

describe('link states (what the cluster graph draws)', () => {
  it('lists every directed link once, healthy on a fresh network', () => {
    const states = model().linkStates();
    expect(states).toHaveLength(6);
    expect(new Set(states.map((link) => `${link.from}>${link.to}`)).size).toBe(6);
    expect(states.every((link) => !link.cut && link.drop === 0 && link.duplicate === 0 && link.reorder === 0 && !link.latencyOverridden)).toBe(true);
  });

  it('shows a one-way cut on one direction only, and a cut node on all its links', () => {
    const network = model();
    network.setBlocked([[nodeId('n1'), nodeId('n2')]]);
    const cut = (from: string, to: string) => network.linkStates().find((link) => link.from === from && link.to === to)?.cut;
    expect(cut('n1', 'n2')).toBe(true);
    expect(cut('n2', 'n1')).toBe(false);
    network.setNodeCut(nodeId('n3'), true);
    expect(network.linkStates().filter((link) => link.cut).map((link) => `${link.from}>${link.to}`).sort()).toEqual(['n1>n2', 'n1>n3', 'n2>n3', 'n3>n1', 'n3>n2']);
  });

  it('shows per-link faults and the defaults changed for every link', () => {
    const network = model();
    network.setLink(nodeId('n2'), nodeId('n3'), { dropProbability: 0.3, latencyMs: { distribution: 'fixed', value: 80 } });
    network.setDefaults({ duplicateProbability: 0.1 });
    const link = network.linkStates().find((state) => state.from === 'n2' && state.to === 'n3');
    expect(link).toMatchObject({ drop: 0.3, duplicate: 0, latencyOverridden: true });
    expect(network.linkStates().find((state) => state.from === 'n1' && state.to === 'n2')).toMatchObject({ drop: 0, duplicate: 0.1, latencyOverridden: false });
  });
});
