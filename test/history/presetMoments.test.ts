import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';
import { RunController } from '../../src/experiment/run';
import { MomentDetector, provenFromOracle } from '../../src/history/moments';
import type { TraceEvent } from '../../src/history/trace';

/**
 * A preset's moments are sentences about its run (seed 1, as the gallery opens it). Each must sit
 * within `toleranceMs` of an event of the trace, or a moment the detector finds, that its caption
 * speaks of: a cut at a partition, "wins" at an election naming the winner, "crashes" at a crash of
 * the replica it names, "overwrites index N" at the detected overwrite of N, and so on. A moment
 * moved, a caption naming the wrong replica or a run that changed (another winner, another
 * instant) fails here.
 */
const toleranceMs = 1;

interface Anchor {
  readonly atMs: number;
  readonly what: string;
  /** Does this caption speak of this event? */
  readonly says: (caption: string) => boolean;
}

const mentions = (node: string) => (caption: string) => new RegExp(`\\b${node}\\b`).test(caption);

function anchorsOf(events: readonly TraceEvent[], detector: MomentDetector, violations: ReturnType<typeof provenFromOracle>): Anchor[] {
  const anchors: Anchor[] = [];
  const elected = new Set<number>();
  let committedMax = 0;
  for (const event of events) {
    const atMs = event.t / 1000;
    if (event.kind === 'fault') {
      const fault = event.fault;
      if (fault === 'partition') anchors.push({ atMs, what: `partition ${event.detail}`, says: (caption) => /\b(cut|cuts|split|splits|partition)\b/i.test(caption) });
      else if (fault === 'heal') anchors.push({ atMs, what: 'heal', says: (caption) => /\bheals?\b/i.test(caption) });
      else if (fault === 'consistency') anchors.push({ atMs, what: `switch ${event.detail}`, says: (caption) => /\bswitch(es)?\b/i.test(caption) && /\b(AP|CP)\b/.test(caption) });
      else if (fault === 'clock') {
        const node = event.detail.split(' ')[0] ?? '';
        anchors.push({ atMs, what: `clock ${event.detail}`, says: (caption) => /\bclock\b/i.test(caption) && mentions(node)(caption) });
      }
    } else if (event.kind === 'node') {
      const action = event.action;
      anchors.push({ atMs, what: `${event.node} ${action}`, says: (caption) => new RegExp(`\\b${action === 'restart' ? 'restarts' : action === 'crash' ? 'crashes' : action}\\b`, 'i').test(caption) && mentions(event.node)(caption) });
    } else if (event.kind === 'role' && (event.role === 'leader' || event.role === 'primary') && !elected.has(event.term)) {
      elected.add(event.term);
      const node = event.node;
      anchors.push({ atMs, what: `${node} elected (${event.term})`, says: (caption) => /\b(wins|won|becomes|elect|preempts|duel)\b/i.test(caption) && mentions(node)(caption) });
    } else if (event.kind === 'commit' && event.commitIndex > committedMax) {
      // The first commit of an index a caption names ("commits it … index 405").
      const from = committedMax;
      committedMax = event.commitIndex;
      anchors.push({ atMs, what: `commit to ${event.commitIndex}`, says: (caption) => /\bcommits\b/.test(caption) && Number(/index (\d+)/.exec(caption)?.[1] ?? Number.NaN) > from && Number(/index (\d+)/.exec(caption)?.[1]) <= event.commitIndex });
    }
  }
  for (const moment of [...detector.moments, ...detector.violationMoments(violations)]) {
    if (moment.kind === 'committed-overwritten') anchors.push({ atMs: moment.atUs / 1000, what: moment.caption, says: (caption) => new RegExp(`\\boverwrites index ${moment.index}\\b`).test(caption) });
    if (moment.kind === 'stale-read' || moment.kind === 'lost-write') {
      const words = moment.kind === 'stale-read' ? /\bstale read\b/i : /\blost write\b/i;
      anchors.push({ atMs: moment.atUs / 1000, what: moment.caption, says: (caption) => words.test(caption) });
    }
  }
  return anchors;
}

const teaching = [
  'raft-unsafe-figure-8',
  'raft-partition-cp',
  'raft-partition-ap',
  'raft-cp-to-ap-switch',
  'raft-leader-crash',
  'raft-lease-reads-drift',
  'raft-w1-rollback',
  'raft-deposed-leader-reads',
  'vr-primary-crash',
  'vr-partition-cp',
  'paxos-leader-crash',
  'paxos-dueling-no-backoff',
];

describe('teaching presets declare their moments, each confirmed by its run', () => {
  it('Figure 8: the cut, n5’s term 2, n1’s unsafe commit, n5’s term 4 and the overwrite, in time order within the run', () => {
    const experiment = loadExperiment('raft-unsafe-figure-8');
    const moments = experiment.moments ?? [];
    expect(moments.map((moment) => moment.atMs)).toEqual([2000, 3990, 5410, 7170, 7185]);
    expect(moments[4]?.caption).toMatch(/n5 overwrites index 405/);
  });

  it.each(teaching)('%s: every moment sits on an event its caption speaks of', (name) => {
    const experiment = loadExperiment(name);
    const declared = experiment.moments ?? [];
    expect(declared.length, `${name} declares moments`).toBeGreaterThanOrEqual(3);
    const events: TraceEvent[] = [];
    const detector = new MomentDetector();
    const result = new RunController(experiment, {
      trace: (event) => {
        events.push(event);
        detector.observe(event);
      },
    }).runToEnd();
    const anchors = anchorsOf(events, detector, provenFromOracle(result.violations));
    for (const moment of declared) {
      const near = anchors.filter((anchor) => Math.abs(anchor.atMs - moment.atMs) <= toleranceMs);
      const confirmed = near.some((anchor) => anchor.says(moment.caption));
      expect(confirmed, `${name} at ${moment.atMs} ms, "${moment.caption}": events within ${toleranceMs} ms: ${near.map((anchor) => `${anchor.atMs.toFixed(1)} ${anchor.what}`).join('; ') || 'none'}`).toBe(true);
    }
    expect(declared.map((moment) => moment.atMs)).toEqual([...declared.map((moment) => moment.atMs)].sort((a, b) => a - b));
  });
});
