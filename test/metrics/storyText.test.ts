import { describe, expect, it } from 'vitest';
import { faultInWords, groupInvariants, instantText, invariantGroupLine, spanText } from '../../src/metrics/storyText';

describe('results that tell the story: words for faults, grouped invariants, readable times', () => {
  it('says faults in words, not JSON', () => {
    expect(faultInWords('clock', 'n2 {"driftPpm":-950000}')).toBe("n2's clock at 5 % speed");
    expect(faultInWords('clock', 'n3 {"driftPpm":200,"offsetMs":-150}')).toBe("n3's clock runs 200 ppm fast, jumps -150 ms");
    expect(faultInWords('network', '{"drop":0.3}')).toBe('every link drops 30 %');
    expect(faultInWords('network', '{"latencyMs":{"distribution":"uniform","min":20,"max":40},"link":{"between":["n3","n4"]}}')).toBe('n3↔n4 latency 20–40 ms');
    expect(faultInWords('network', 'n1→n2 slow')).toBe('network: n1→n2 slow');
    expect(faultInWords('crash', 'n2')).toBe('n2 crashed');
    expect(faultInWords('partition', '{n1,n2} | {n3,n4,n5}')).toBe('partition {n1,n2} | {n3,n4,n5}');
  });

  it('groups broken invariants by kind with the indices and replicas they name, most frequent first', () => {
    const sentences = [
      'leader completeness: n5 leads term 4 without the entry committed at 405 (term 1)',
      'leader completeness: n5 leads term 4 without the entry committed at 406 (term 1)',
      "committed entries differ at index 444: term 1 c21#28:write:k2@2397531.0.n1 vs n2's term 4 c9#43:write:k1@5442198.0.n5",
      'n2: state-machine safety: n2 applied c23#47:write:k1@5443145.0.n5 at index 445, but n1 applied c17#23:write:k3@2418460.0.n1 there',
      'leader completeness: n5 leads term 4 without the entry committed at 420 (term 1)',
      'n2: state-machine safety: n2 applied noop at index 300, but n1 applied c1#1:write:k3@1.0.n1 there',
    ];
    const groups = groupInvariants(sentences);
    expect(groups.map(invariantGroupLine)).toEqual([
      'leader completeness ×3, indices 405–420 (n5)',
      'state-machine safety ×2, indices 300–445 (n1, n2, n5)',
      'committed entries differ ×1, index 444 (n1, n2, n5)',
    ]);
    expect(groups[0]?.example).toBe(sentences[0]);
    expect(groups[0]?.sentences).toHaveLength(3);
    expect(groupInvariants(['stopped: the replica threw'])).toMatchObject([{ kind: 'stopped', count: 1, indices: null }]);
  });

  it('writes times as times, with the value kept apart', () => {
    expect(instantText(5_047_082)).toBe('5.047 s');
    expect(instantText(830_400)).toBe('830.4 ms');
    expect(spanText(5_047_082, 5_072_938)).toBe('5.047 s → 5.073 s (25.9 ms)');
    expect(spanText(5_047_082, null)).toBe('from 5.047 s, never answered');
  });
});
