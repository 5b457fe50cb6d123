import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import { nodeId, nodeIds } from '../../src/base/ids';
import { partitionLinks } from '../../src/network/partitions';
import { ReplayScene, cutOfPartition } from '../../renderer/replay/replayScene';
import { useReplayStore } from '../../renderer/stores/replay';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
const trace: TraceEvent[] = [
  { t: 0, kind: 'header', format: 'caplab-trace/1', experiment: 'x', protocol: 'raft', seed: 1, nodes },
  { t: 0, kind: 'clients', homes: ['n1', 'n2'], timeoutMs: 500 },
  { t: 100, kind: 'role', node: 'n1', role: 'leader', term: 1, leader: 'n1' },
  { t: 110, kind: 'send', id: 1, from: 'n1', to: 'n2', message: 'AppendEntries' },
  { t: 110, kind: 'send', id: 2, from: 'n1', to: 'n3', message: 'AppendEntries' },
  { t: 120, kind: 'invoke', op: 1, client: 1, node: 'n1', input: { f: 'write', key: 'x', value: 'c1-1' } },
  { t: 130, kind: 'deliver', id: 1, from: 'n1', to: 'n2', message: 'AppendEntries' },
  { t: 130, kind: 'ignored', node: 'n2', from: 'n1', message: 'AppendEntries', reason: 'stale term' },
  { t: 150, kind: 'drop', id: 2, from: 'n1', to: 'n3', message: 'AppendEntries', reason: 'partition' },
  { t: 160, kind: 'commit', node: 'n1', commitIndex: 1 },
  { t: 170, kind: 'complete', op: 1, client: 1, output: { type: 'ok' } },
  { t: 180, kind: 'fault', fault: 'partition', detail: '{n1,n2} | {n3,n4,n5}' },
  { t: 190, kind: 'fault', fault: 'consistency', detail: 'write local, read local' },
  { t: 200, kind: 'invoke', op: 2, client: 2, node: 'n2', input: { f: 'read', key: 'x' } },
  { t: 210, kind: 'invariant', node: 'n2', broken: 'leader completeness' },
  { t: 220, kind: 'complete', op: 2, client: 2, output: { type: 'ok', value: 'c1-1' } },
  { t: 230, kind: 'fault', fault: 'heal', detail: 'partitions healed' },
  { t: 240, kind: 'role', node: 'n3', role: 'leader', term: 2, leader: 'n3' },
];

describe('replay scene: the Lab picture at any instant, from the trace alone', () => {
  it('messages in flight at an instant, and each message’s story: delivery, drop with its reason, ignored by the receiver', () => {
    const scene = new ReplayScene(trace, nodes);
    expect(scene.pictureAt(5).inFlight.map((message) => message.id)).toEqual([1, 2]);
    expect(scene.pictureAt(7).inFlight.map((message) => message.id)).toEqual([2]);
    expect(scene.pictureAt(9).inFlight).toEqual([]);
    expect(scene.message(1)).toMatchObject({ fate: 'delivered', fateUs: 130, ignoredReason: 'stale term', deliveries: 1 });
    expect(scene.message(2)).toMatchObject({ fate: 'dropped', dropReason: 'partition', fateAt: 8 });
  });

  it('clients: the replica each talks to and whether it waits; values each replica served', () => {
    const scene = new ReplayScene(trace, nodes);
    const waiting = scene.pictureAt(6).clients;
    expect(waiting[0]).toMatchObject({ client: 1, home: 'n1', node: 'n1', waiting: { op: 1, text: 'write x = c1-1', sinceUs: 120 } });
    expect(waiting[1]).toMatchObject({ client: 2, home: 'n2', node: null, waiting: null });
    const after = scene.pictureAt(11);
    expect(after.clients[0]).toMatchObject({ waiting: null, last: 'op 1 ok' });
    expect(after.values.find((row) => row.node === 'n1')?.values).toEqual([{ key: 'x', value: 'c1-1', how: 'write', atUs: 170 }]);
    const read = scene.pictureAt(trace.length);
    expect(read.values.find((row) => row.node === 'n2')?.values).toEqual([{ key: 'x', value: 'c1-1', how: 'read', atUs: 220 }]);
  });

  it('partitions cut links until a heal; the CP/AP policy follows the switch', () => {
    const scene = new ReplayScene(trace, nodes);
    expect(scene.pictureAt(11).cut.size).toBe(0);
    expect(scene.pictureAt(11).consistency).toBeNull();
    const cut = scene.pictureAt(13);
    expect(cut.cut.has('n1>n3')).toBe(true);
    expect(cut.cut.has('n1>n2')).toBe(false);
    expect(cut.consistency).toBe('write local, read local');
    expect(scene.pictureAt(trace.length).cut.size).toBe(0);
  });

  it('reads back every partition shape the lab describes, as the lab cuts it', () => {
    for (const spec of ['majority-minority', 'isolate-leader', 'bridge', 'one-way', 'ring'] as const) {
      const { cut, description } = partitionLinks(spec, nodeIds(5), nodeId('n2'));
      expect([...cutOfPartition(description, nodes)].sort()).toEqual(cut.map(([from, to]) => `${from}>${to}`).sort());
    }
  });

  it('steps by kind forwards and back, and says when there is nothing more', () => {
    const scene = new ReplayScene(trace, nodes);
    expect(scene.stepTo(0, 'election', 1)).toBe(3);
    expect(scene.stepTo(3, 'election', 1)).toBe(trace.length);
    expect(scene.stepTo(trace.length, 'election', -1)).toBe(3);
    expect(scene.stepTo(3, 'election', -1)).toBeNull();
    expect(scene.stepTo(0, 'delivery', 1)).toBe(7);
    expect(scene.stepTo(0, 'violation', 1)).toBe(15);
    expect(scene.stepTo(15, 'violation', 1)).toBeNull();
    expect(scene.stepTo(0, 'commit', 1)).toBe(10);
  });

  it('a checkpointed picture equals folding from the start, everywhere', () => {
    const slow = new ReplayScene(trace, nodes, 10_000);
    const fast = new ReplayScene(trace, nodes, 2);
    for (let position = 0; position <= trace.length; position++) expect(fast.pictureAt(position)).toEqual(slow.pictureAt(position));
  });
});

describe('replay store: the picture, steps by kind and a message’s story', () => {
  it('loads a trace into a picture, steps by kind with a note at the end, and opens a message', () => {
    setActivePinia(createPinia());
    const replay = useReplayStore();
    expect(replay.load(trace.map((event) => JSON.stringify(event)).join('\n'), 'a test trace', null, 'ap')).toBe(true);
    expect(replay.initialConsistency).toBe('ap');
    replay.stepBy('delivery', 1);
    expect(replay.position).toBe(7);
    expect(replay.picture?.inFlight.map((message) => message.id)).toEqual([2]);
    replay.selectMessage(2);
    expect(replay.selectedMessage).toMatchObject({ kind: 'AppendEntries', fate: 'dropped', dropReason: 'partition' });
    replay.stepBy('violation', 1);
    expect(replay.currentEvent?.kind).toBe('invariant');
    replay.stepBy('violation', 1);
    expect(replay.stepNote).toBe('No later violation in this trace');
    expect(replay.position).toBe(15);
    replay.step(1);
    expect(replay.stepNote).toBeNull();
    replay.clear();
    expect(replay.picture).toBeNull();
    expect(replay.selectedMessage).toBeNull();
  });
});
