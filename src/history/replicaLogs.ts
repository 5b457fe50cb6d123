import type { TraceEvent } from './trace';

/**
 * Every replica's log rebuilt from the trace's log facts (ARCHITECTURE §9: `log-append`,
 * `log-truncate`, `log-restore`, `commit`, `applied`, `snapshot`), incrementally: the Lab feeds it
 * the live trace as it arrives, a replay feeds it the trace up to the instant it shows. Storage is
 * columnar per replica (one number per index per column), so 9 replicas × 100 000 entries cost a
 * few megabytes, and a view asks only for the window of indices it draws.
 *
 * An entry is identified by its index and term (view, ballot): Raft's log matching, VR's
 * viewstamps and Paxos's one proposal per ballot per slot all make that pair name one command.
 * An entry removed and written again with the same term is the same entry (VR's view change
 * re-installs the log it keeps); one written with another term over it overwrites it, and the
 * overwritten version is kept for the details.
 */

/** One entry as the view shows it. Instants are µs of trace time; null when it has not happened. */
export interface ReplicaLogEntry {
  readonly node: string;
  readonly index: number;
  readonly term: number;
  /** The command's text, when its proposer's append was seen (`no-op` for a leader's no-op). */
  readonly command: string | null;
  /** The replica that proposed it: its own `log-append` carried the commands, or who led that term. */
  readonly proposer: string | null;
  readonly appendedAt: number;
  /** When this replica learned it was committed (its commit index reached it). */
  readonly committedAt: number | null;
  readonly appliedAt: number | null;
  /** The term of what a replica first committed at this index, when any did. */
  readonly committedTerm: number | null;
  /** This entry is not what was committed at this index (a safety break: log matching or leader completeness). */
  readonly differsFromCommitted: boolean;
  /** The version this entry overwrote, the last one, when there was one. */
  readonly overwrote: OverwrittenEntry | null;
}

export interface OverwrittenEntry {
  readonly term: number;
  readonly command: string | null;
  readonly proposer: string | null;
  readonly appendedAt: number;
  readonly committedAt: number | null;
  readonly overwrittenAt: number;
}

/** A committed entry replaced by a different one: the moment a safety property broke at a replica. */
export interface CommittedOverwrite {
  readonly t: number;
  readonly node: string;
  readonly index: number;
  readonly oldTerm: number;
  readonly newTerm: number;
}

/** One replica's row in a window of indices. */
export interface ReplicaLogRow {
  readonly node: string;
  readonly down: boolean;
  readonly snapshotIndex: number;
  /** Highest index held (0 when empty). */
  readonly lastIndex: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** `entries[k]` is index `from + k`: an entry, or null (a hole, inside the snapshot, or beyond the log). */
  readonly entries: ReadonlyArray<ReplicaLogEntry | null>;
}

/** No entry at an index (terms, views and ballots start at 0). */
const none = -1;

class NodeLog {
  down = false;
  snapshotIndex = 0;
  lastIndex = 0;
  commitIndex = 0;
  appliedIndex = 0;
  /** Columns by index; entries beyond `lastIndex` are removed ones, kept to recognise them if re-written. */
  readonly term: number[] = [none];
  readonly appendedAt: number[] = [0];
  readonly committedAt: number[] = [Number.NaN];
  readonly appliedAt: number[] = [Number.NaN];
  readonly overwritten = new Map<number, OverwrittenEntry>();
  constructor(readonly id: string) {}

  held(index: number): boolean {
    return index > this.snapshotIndex && index <= this.lastIndex && (this.term[index] ?? none) !== none;
  }
}

export class ReplicaLogs {
  private readonly logs: NodeLog[];
  private readonly byId = new Map<string, NodeLog>();
  /** `index:term` → the proposer's command and id, from the proposer's own appends. */
  private readonly proposals = new Map<string, { readonly command: string; readonly proposer: string }>();
  /** term → the replica that led it (role events), for entries whose proposer's append was not seen. */
  private readonly leaderOfTerm = new Map<number, string>();
  /** Per index, the term first committed there at any replica (`none`: none yet). */
  private readonly committedTerm: number[] = [none];
  private readonly overwrites: CommittedOverwrite[] = [];
  private lastT = 0;
  private eventsSeen = 0;

  constructor(readonly nodes: readonly string[]) {
    this.logs = nodes.map((id) => new NodeLog(id));
    for (const log of this.logs) this.byId.set(log.id, log);
  }

  /** A trace's logs: from its header's nodes, with every event at or before `untilUs` (all when absent). */
  static fromTrace(events: readonly TraceEvent[], untilUs = Number.POSITIVE_INFINITY): ReplicaLogs {
    const header = events[0];
    const logs = new ReplicaLogs(header?.kind === 'header' ? header.nodes : []);
    for (const event of events) {
      if (event.t > untilUs) break;
      logs.apply(event);
    }
    return logs;
  }

  /** Instant of the last event applied, µs. */
  get t(): number {
    return this.lastT;
  }

  get eventsApplied(): number {
    return this.eventsSeen;
  }

  /** The highest index any replica holds or committed: the width of the picture. */
  get lastIndex(): number {
    let last = 0;
    for (const log of this.logs) last = Math.max(last, log.lastIndex, log.commitIndex);
    return last;
  }

  /** Every committed entry overwritten so far, in trace order. */
  get committedOverwrites(): readonly CommittedOverwrite[] {
    return this.overwrites;
  }

  apply(event: TraceEvent): void {
    this.eventsSeen++;
    this.lastT = Math.max(this.lastT, event.t);
    switch (event.kind) {
      case 'log-append':
        return this.onAppend(event.t, event.node, event.from, event.to, event.term, event.commands);
      case 'log-truncate': {
        const log = this.byId.get(event.node);
        if (log !== undefined && event.from <= log.lastIndex) log.lastIndex = Math.max(log.snapshotIndex, event.from - 1);
        return;
      }
      case 'log-restore':
        return this.onRestore(event.t, event.node, event.snapshotIndex, event.runs);
      case 'commit':
        return this.onCommit(event.t, event.node, event.commitIndex);
      case 'applied':
        return this.onApplied(event.t, event.node, event.index);
      case 'snapshot': {
        const log = this.byId.get(event.node);
        if (log === undefined) return;
        log.snapshotIndex = Math.max(log.snapshotIndex, event.index);
        log.lastIndex = Math.max(log.lastIndex, log.snapshotIndex);
        return;
      }
      case 'role':
        if ((event.role === 'leader' || event.role === 'primary') && !this.leaderOfTerm.has(event.term)) this.leaderOfTerm.set(event.term, event.node);
        return;
      case 'node': {
        const log = this.byId.get(event.node);
        if (log !== undefined && (event.action === 'crash' || event.action === 'restart')) log.down = event.action === 'crash';
        return;
      }
      default:
        return;
    }
  }

  private onAppend(t: number, node: string, from: number, to: number, term: number, commands: readonly string[] | undefined): void {
    const log = this.byId.get(node);
    if (log === undefined || to < from) return;
    for (let index = from; index <= to; index++) {
      if (commands !== undefined) this.proposals.set(`${index}:${term}`, { command: commands[index - from] ?? '', proposer: node });
      this.write(log, t, index, term);
    }
    log.lastIndex = Math.max(log.lastIndex, to);
  }

  /** Writes `term` at `index`: the same entry again keeps its history; another one overwrites it. */
  private write(log: NodeLog, t: number, index: number, term: number): void {
    const previous = log.term[index] ?? none;
    if (previous === term) return;
    if (previous !== none) {
      const committedAt = log.committedAt[index] ?? Number.NaN;
      const proposal = this.proposalOf(index, previous);
      log.overwritten.set(index, { term: previous, command: proposal.command, proposer: proposal.proposer, appendedAt: log.appendedAt[index] ?? 0, committedAt: Number.isNaN(committedAt) ? null : committedAt, overwrittenAt: t });
      if (!Number.isNaN(committedAt) || this.committedTerm[index] === previous) this.overwrites.push({ t, node: log.id, index, oldTerm: previous, newTerm: term });
    }
    log.term[index] = term;
    log.appendedAt[index] = t;
    log.committedAt[index] = Number.NaN;
    log.appliedAt[index] = Number.NaN;
  }

  private onRestore(t: number, node: string, snapshotIndex: number, runs: ReadonlyArray<readonly [number, number, number]>): void {
    const log = this.byId.get(node);
    if (log === undefined) return;
    log.down = false;
    log.snapshotIndex = snapshotIndex;
    let last = snapshotIndex;
    for (const [from, to, term] of runs) {
      for (let index = last + 1; index < from; index++) log.term[index] = none;
      for (let index = from; index <= to; index++) this.write(log, t, index, term);
      last = Math.max(last, to);
    }
    log.lastIndex = last;
    log.commitIndex = snapshotIndex;
    log.appliedIndex = snapshotIndex;
  }

  private onCommit(t: number, node: string, commitIndex: number): void {
    const log = this.byId.get(node);
    if (log === undefined) return;
    const top = Math.min(commitIndex, log.lastIndex);
    for (let index = Math.max(log.commitIndex, log.snapshotIndex) + 1; index <= top; index++) {
      const term = log.term[index] ?? none;
      if (term === none) continue;
      if (Number.isNaN(log.committedAt[index] ?? Number.NaN)) log.committedAt[index] = t;
      if ((this.committedTerm[index] ?? none) === none) this.committedTerm[index] = term;
    }
    log.commitIndex = commitIndex;
  }

  private onApplied(t: number, node: string, appliedIndex: number): void {
    const log = this.byId.get(node);
    if (log === undefined) return;
    const top = Math.min(appliedIndex, log.lastIndex);
    for (let index = Math.max(log.appliedIndex, log.snapshotIndex) + 1; index <= top; index++) {
      if ((log.term[index] ?? none) !== none && Number.isNaN(log.appliedAt[index] ?? Number.NaN)) log.appliedAt[index] = t;
    }
    log.appliedIndex = appliedIndex;
  }

  private proposalOf(index: number, term: number): { command: string | null; proposer: string | null } {
    const proposal = this.proposals.get(`${index}:${term}`);
    if (proposal !== undefined) return proposal;
    return { command: null, proposer: this.leaderOfTerm.get(term) ?? null };
  }

  /** The entry `node` holds at `index`, or null (a hole, compacted into the snapshot, beyond its log, or no such node). */
  entry(node: string, index: number): ReplicaLogEntry | null {
    const log = this.byId.get(node);
    if (log === undefined || !log.held(index)) return null;
    const term = log.term[index] as number;
    const proposal = this.proposalOf(index, term);
    const committedAt = log.committedAt[index] ?? Number.NaN;
    const appliedAt = log.appliedAt[index] ?? Number.NaN;
    const committedTerm = this.committedTerm[index] ?? none;
    return {
      node,
      index,
      term,
      command: proposal.command,
      proposer: proposal.proposer,
      appendedAt: log.appendedAt[index] ?? 0,
      committedAt: Number.isNaN(committedAt) ? null : committedAt,
      appliedAt: Number.isNaN(appliedAt) ? null : appliedAt,
      committedTerm: committedTerm === none ? null : committedTerm,
      differsFromCommitted: committedTerm !== none && committedTerm !== term,
      overwrote: log.overwritten.get(index) ?? null,
    };
  }

  /** Every replica's row for indices `from`…`to` (both included; clamped to at least 1). */
  window(from: number, to: number): ReplicaLogRow[] {
    const first = Math.max(1, Math.floor(from));
    const last = Math.floor(to);
    return this.logs.map((log) => {
      const entries: Array<ReplicaLogEntry | null> = [];
      for (let index = first; index <= last; index++) entries.push(this.entry(log.id, index));
      return { node: log.id, down: log.down, snapshotIndex: log.snapshotIndex, lastIndex: log.lastIndex, commitIndex: log.commitIndex, appliedIndex: log.appliedIndex, entries };
    });
  }

  /** `node`'s log as [index, term] pairs after its snapshot boundary, for comparing with the replica itself. */
  held(node: string): { readonly snapshotIndex: number; readonly entries: ReadonlyArray<readonly [number, number]> } {
    const log = this.byId.get(node);
    if (log === undefined) return { snapshotIndex: 0, entries: [] };
    const entries: Array<readonly [number, number]> = [];
    for (let index = log.snapshotIndex + 1; index <= log.lastIndex; index++) if (log.held(index)) entries.push([index, log.term[index] as number]);
    return { snapshotIndex: log.snapshotIndex, entries };
  }
}
