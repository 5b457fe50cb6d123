import type { KvLogCommand } from '../kv/command';
import type { ObservedEvent } from './replica';

/**
 * Per-replica log facts (ARCHITECTURE §9): what a replica did to its log, as observed events the
 * host writes into the trace, so the Replica logs view can rebuild every replica's log at any
 * instant. Facts are compact ranges: consecutive appends of one term (view, ballot) become one
 * `log-append`; a truncation, a restart's restored log and the applied index are one event each.
 * A protocol's log calls `appended` / `truncated`; its `observe` and `ready` call `flushInto`, so
 * the facts keep their place among the replica's other events.
 */
export class LogFacts {
  private run: { from: number; to: number; term: number; own: boolean; commands: string[] } | null = null;
  private pending: ObservedEvent[] = [];
  private appliedReported = 0;

  /**
   * Entry `index` of `term` written (appended, or put over a different entry at that index).
   * `own`: this replica proposed it (leader, primary, or a Multi-Paxos leader's own acceptor); only
   * then does the fact carry the command's text, which every other replica's copy shares.
   */
  appended(index: number, term: number, command: KvLogCommand | null, own: boolean): void {
    const run = this.run;
    if (run !== null && run.to + 1 === index && run.term === term && run.own === own) {
      run.to = index;
      if (own) run.commands.push(commandLabel(command));
      return;
    }
    this.closeRun();
    this.run = { from: index, to: index, term, own, commands: own ? [commandLabel(command)] : [] };
  }

  /** Entries from `from` on are gone (Raft's conflict, VR's uncommitted suffix, a discarded log). */
  truncated(from: number): void {
    this.closeRun();
    this.pending.push({ kind: 'log-truncate', from });
  }

  /**
   * A restart: the log is what the disk held (or nothing, after losing it). `entries` in index
   * order; gaps (Multi-Paxos slots never accepted here) are allowed.
   */
  restored(snapshotIndex: number, entries: Iterable<{ readonly index: number; readonly term: number }>, appliedIndex: number): void {
    this.closeRun();
    const runs: Array<[number, number, number]> = [];
    for (const { index, term } of entries) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] + 1 === index && last[2] === term) last[1] = index;
      else runs.push([index, index, term]);
    }
    this.pending.push({ kind: 'log-restore', snapshotIndex, runs });
    this.appliedReported = appliedIndex;
  }

  /** Moves the facts gathered so far into `queue`; with `appliedIndex`, also a new applied index. */
  flushInto(queue: ObservedEvent[], appliedIndex?: number): void {
    this.closeRun();
    if (this.pending.length > 0) {
      for (const event of this.pending) queue.push(event);
      this.pending = [];
    }
    if (appliedIndex !== undefined && appliedIndex !== this.appliedReported) {
      this.appliedReported = appliedIndex;
      queue.push({ kind: 'applied', index: appliedIndex });
    }
  }

  private closeRun(): void {
    const run = this.run;
    if (run === null) return;
    this.run = null;
    this.pending.push(run.own ? { kind: 'log-append', from: run.from, to: run.to, term: run.term, commands: run.commands } : { kind: 'log-append', from: run.from, to: run.to, term: run.term });
  }
}

/** A command as the log view shows it: `write x = 3 (c2#5)`, `cas x 1 → 2 (c1#4)`, `no-op`. */
export function commandLabel(entry: KvLogCommand | null): string {
  if (entry === null) return 'no-op';
  const command = entry.command;
  const who = `c${entry.clientId}#${entry.sequence}`;
  switch (command.f) {
    case 'read':
      return `read ${command.key} (${who})`;
    case 'write':
      return `write ${command.key} = ${command.value} (${who})`;
    case 'cas':
      return `cas ${command.key} ${command.from ?? 'nil'} → ${command.to} (${who})`;
  }
}
