import { formatBallotNumber } from '../protocol/paxos/messages';
import { ReplicaLogs } from './replicaLogs';
import type { TraceEvent } from './trace';
import type { ViolationKind } from '../checker/oracle';

/**
 * Moments of a run (ARCHITECTURE §8): the instants a story of the run pauses at, each with one
 * sentence. A preset may declare its own (`moments` in the experiment); the lab also finds them in
 * the trace: a leader elected, a partition beginning or healing, a committed entry overwritten,
 * the first stale read and the first lost write the checks proved.
 */
export type MomentKind = 'preset' | 'leader-elected' | 'partition' | 'heal' | 'committed-overwritten' | ViolationMomentKind;

/** The moments of proven violations: the first of each kind the oracle (or the live detector) proved. */
export type ViolationMomentKind = 'stale-read' | 'lost-write' | 'monotonic-read' | 'read-your-writes';

/** A moment that shows something broken: the story always keeps it, and marks draw it in red. */
export function isViolationMoment(kind: MomentKind): boolean {
  return kind === 'committed-overwritten' || kind === 'stale-read' || kind === 'lost-write' || kind === 'monotonic-read' || kind === 'read-your-writes';
}

const momentKindOfViolation: Readonly<Record<ViolationKind, ViolationMomentKind>> = {
  staleRead: 'stale-read',
  lostWrite: 'lost-write',
  monotonicRead: 'monotonic-read',
  readYourWrites: 'read-your-writes',
};

export interface Moment {
  /** µs of trace time. */
  readonly atUs: number;
  readonly kind: MomentKind;
  readonly caption: string;
  /** The replica it is about, when one. */
  readonly node?: string;
  /** The log index it is about (an overwritten entry). */
  readonly index?: number;
}

/** A violation the checks proved, as the moments need it: its kind and its offending operation. */
export interface ProvenViolation {
  readonly kind: ViolationMomentKind;
  readonly operation: number;
}

/** Proven violations from the oracle's list (RunResult.violations): its kind and its offending (first) operation. */
export function provenFromOracle(violations: ReadonlyArray<{ readonly kind: ViolationKind; readonly operations: readonly number[] }>): ProvenViolation[] {
  return violations.flatMap((violation) => (violation.operations[0] === undefined ? [] : [{ kind: momentKindOfViolation[violation.kind], operation: violation.operations[0] }]));
}

/**
 * Proven violations from a run summary (the renderer's and a bundle's: summary.json), read with care
 * since it crosses as plain data: each key's findings list their offending operations (the first few
 * of each kind, which include the earliest).
 */
export function provenFromSummary(summary: unknown): ProvenViolation[] {
  const explanations = typeof summary === 'object' && summary !== null ? (summary as { keyExplanations?: unknown }).keyExplanations : undefined;
  if (!Array.isArray(explanations)) return [];
  const proven: ProvenViolation[] = [];
  for (const explanation of explanations) {
    const groups = typeof explanation === 'object' && explanation !== null ? (explanation as { groups?: unknown }).groups : undefined;
    if (!Array.isArray(groups)) continue;
    for (const group of groups) {
      if (typeof group !== 'object' || group === null) continue;
      const { kind, operations } = group as { kind?: unknown; operations?: unknown };
      const momentKind = typeof kind === 'string' ? momentKindOfViolation[kind as ViolationKind] : undefined;
      if (momentKind === undefined || !Array.isArray(operations)) continue;
      for (const operation of operations) if (typeof operation === 'number') proven.push({ kind: momentKind, operation });
    }
  }
  return proven;
}

const violationCaptions: Readonly<Record<ViolationMomentKind, (operation: number) => string>> = {
  'stale-read': (operation) => `The first stale read: operation ${operation} returns a value a newer acknowledged write had replaced.`,
  'lost-write': (operation) => `The first lost write: operation ${operation} was acknowledged, and the cluster no longer holds it.`,
  'monotonic-read': (operation) => `The first monotonic-read break: operation ${operation} reads a value older than one its client had already read.`,
  'read-your-writes': (operation) => `The first read-your-writes break: operation ${operation} reads a value older than its client's own acknowledged write.`,
};

/** How a protocol names its leader and its term (Raft), view (VR) or ballot (Multi-Paxos). */
function termWords(protocol: string, term: number): { leader: string; term: string } {
  if (protocol === 'vr') return { leader: 'primary', term: `view ${term}` };
  if (protocol === 'paxos') return { leader: 'leader', term: `ballot ${formatBallotNumber(term)}` };
  return { leader: 'leader', term: `term ${term}` };
}

/** Elections closer together than this (µs) are one contest: only its first is a moment. */
export const electionContestUs = 150_000;

/**
 * Finds moments as the trace arrives (live) or over a whole trace (replay). It shares a
 * ReplicaLogs when given one (the logs view already feeds it every event), else keeps its own.
 */
export class MomentDetector {
  private protocol = 'raft';
  private readonly found: Moment[] = [];
  private readonly electedTerms = new Set<number>();
  private lastElectionUs: number | null = null;
  private overwritesSeen = 0;
  private readonly overwrittenTerms = new Set<string>();
  private readonly invokes = new Map<number, number>();
  private readonly completes = new Map<number, number>();
  private readonly ownLogs: boolean;

  constructor(private logs: ReplicaLogs | null = null) {
    this.ownLogs = logs === null;
  }

  get moments(): readonly Moment[] {
    return this.found;
  }

  /** Takes one event; with a shared ReplicaLogs, after the logs applied it. */
  observe(event: TraceEvent): void {
    if (event.kind === 'header') {
      this.protocol = event.protocol;
      if (this.ownLogs) this.logs = new ReplicaLogs(event.nodes);
    }
    if (this.ownLogs) this.logs?.apply(event);
    switch (event.kind) {
      case 'role':
        if ((event.role === 'leader' || event.role === 'primary') && !this.electedTerms.has(event.term)) {
          this.electedTerms.add(event.term);
          // An election within `electionContestUs` of the previous one is the same contest (a Paxos duel climbs
          // dozens of ballots in a second): the story marks the contest's first winner, not every ballot.
          const contest = this.lastElectionUs !== null && event.t - this.lastElectionUs < electionContestUs;
          this.lastElectionUs = event.t;
          if (contest) break;
          const words = termWords(this.protocol, event.term);
          this.found.push({ atUs: event.t, kind: 'leader-elected', node: event.node, caption: `${event.node} becomes ${words.leader} of ${words.term}.` });
        }
        break;
      case 'fault':
        if (event.fault === 'partition') this.found.push({ atUs: event.t, kind: 'partition', caption: `The network splits: ${event.detail}.` });
        else if (event.fault === 'heal') this.found.push({ atUs: event.t, kind: 'heal', caption: 'The partition heals: every replica can reach every other again.' });
        break;
      case 'invoke':
        this.invokes.set(event.op, event.t);
        break;
      case 'complete':
        this.completes.set(event.op, event.t);
        break;
      default:
        break;
    }
    this.noteOverwrites();
  }

  private noteOverwrites(): void {
    const overwrites = this.logs?.committedOverwrites ?? [];
    for (; this.overwritesSeen < overwrites.length; this.overwritesSeen++) {
      const overwrite = overwrites[this.overwritesSeen];
      if (overwrite === undefined) continue;
      // One moment per term that overwrites committed entries of another: the first index it reaches.
      const key = `${overwrite.oldTerm}→${overwrite.newTerm}`;
      if (this.overwrittenTerms.has(key)) continue;
      this.overwrittenTerms.add(key);
      const entry = this.logs?.entry(overwrite.node, overwrite.index) ?? null;
      const old = termWords(this.protocol, overwrite.oldTerm).term;
      const replacement = termWords(this.protocol, overwrite.newTerm).term;
      const by = entry?.proposer === null || entry?.proposer === undefined ? '' : ` proposed by ${entry.proposer}`;
      this.found.push({ atUs: overwrite.t, kind: 'committed-overwritten', node: overwrite.node, index: overwrite.index, caption: `${overwrite.node}'s committed entry at index ${overwrite.index} (${old}) is overwritten by an entry of ${replacement}${by}: a committed write is lost.` });
    }
  }

  /** The first violation of each kind among proven ones (stale read, lost write, session breaks), at the instant their operation completed. */
  violationMoments(violations: readonly ProvenViolation[]): Moment[] {
    const moments: Moment[] = [];
    for (const kind of ['stale-read', 'lost-write', 'monotonic-read', 'read-your-writes'] as const) {
      let first: { atUs: number; operation: number } | null = null;
      for (const violation of violations) {
        if (violation.kind !== kind) continue;
        const atUs = this.completes.get(violation.operation) ?? this.invokes.get(violation.operation);
        if (atUs !== undefined && (first === null || atUs < first.atUs)) first = { atUs, operation: violation.operation };
      }
      if (first === null) continue;
      moments.push({ atUs: first.atUs, kind, caption: violationCaptions[kind](first.operation) });
    }
    return moments;
  }
}

/** A preset's declared moments, as moments (ms to µs). */
export function presetMoments(declared: ReadonlyArray<{ readonly atMs: number; readonly caption: string }> | undefined): Moment[] {
  return (declared ?? []).map((moment) => ({ atUs: Math.round(moment.atMs * 1000), kind: 'preset' as const, caption: moment.caption }));
}

/**
 * The story of a run: the preset's moments and the detected ones, in time order. A detected
 * moment within `nearUs` of a declared one is dropped (the preset's sentence says it better),
 * unless it is a committed overwrite or a violation, which the story always shows.
 */
export function storyOf(declared: readonly Moment[], detected: readonly Moment[], nearUs = 150_000): Moment[] {
  const kept = detected.filter((moment) => isViolationMoment(moment.kind) || !declared.some((own) => Math.abs(own.atUs - moment.atUs) <= nearUs));
  return [...declared, ...kept].sort((a, b) => a.atUs - b.atUs || (a.kind === 'preset' ? -1 : 0) - (b.kind === 'preset' ? -1 : 0));
}

/** Every moment a whole trace holds (the replay's), with the proven violations' when given. */
export function detectMoments(events: readonly TraceEvent[], violations: readonly ProvenViolation[] = []): Moment[] {
  const detector = new MomentDetector();
  for (const event of events) detector.observe(event);
  return [...detector.moments, ...detector.violationMoments(violations)].sort((a, b) => a.atUs - b.atUs);
}

/** A story's moments as chart marks (src/metrics/charts.ts ChartMoment): numbered in story order, so a chart's "3" is the story's moment 3. */
export function chartMomentsOf(story: readonly Moment[]): Array<{ atMs: number; label: string; caption: string; alarm: boolean }> {
  return story.map((moment, index) => ({ atMs: moment.atUs / 1000, label: String(index + 1), caption: moment.caption, alarm: isViolationMoment(moment.kind) }));
}
