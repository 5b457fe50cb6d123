import { limits } from '../../base/limits';
import { assert } from '../../base/assert';
import { logIndex, term, type LogIndex, type Term } from '../../base/ids';
import type { LogFacts } from '../logFacts';
import type { RaftEntry } from './messages';


/**
 * The in-memory log: a snapshot boundary (§7: lastIncludedIndex, lastIncludedTerm) and the
 * contiguous entries after it. Entries are immutable plain data and may be shared with messages.
 */
export class RaftLog {
  snapshotIndex: LogIndex = logIndex(0);
  snapshotTerm: Term = term(0);
  private entries: RaftEntry[] = [];
  /** Counts every truncation (including a snapshot that replaces the log). */
  truncationCount = 0;
  /** The most recent truncations: after `count` truncations, entries from `fromIndex` on were replaced. */
  readonly truncations: Array<{ readonly count: number; readonly fromIndex: number }> = [];

  /** `facts`: where the log reports what it does to itself, for the trace (protocol/logFacts.ts). */
  constructor(private readonly facts: LogFacts | null = null) {}

  get lastIndex(): LogIndex {
    return logIndex(this.snapshotIndex + this.entries.length);
  }

  get lastTerm(): Term {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? this.snapshotTerm : last.term;
  }

  get entryCount(): number {
    return this.entries.length;
  }

  get firstIndex(): LogIndex {
    return logIndex(this.snapshotIndex + 1);
  }

  /** The term at `index`, or null when it is compacted away or beyond the log. */
  termAt(index: number): Term | null {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex) return null;
    return this.entryAt(index).term;
  }

  /** The entry at `index`; it must be held (after the snapshot, at or below lastIndex). */
  entryAt(index: number): RaftEntry {
    const entry = this.entries[index - this.snapshotIndex - 1];
    assert(entry !== undefined, () => `log: no entry at ${index} (snapshot ${this.snapshotIndex}, last ${this.lastIndex})`);
    return entry;
  }

  /** Entries in [from, to], both included; from must be after the snapshot. */
  slice(from: number, to: number): RaftEntry[] {
    assert(from > this.snapshotIndex, `log: slice from ${from} reaches into the snapshot (${this.snapshotIndex})`);
    if (to < from) return [];
    return this.entries.slice(from - this.snapshotIndex - 1, to - this.snapshotIndex);
  }

  /** True when the log holds an entry at `index` with `entryTerm` (or the snapshot ends there with it). */
  matches(index: number, entryTerm: Term): boolean {
    return this.termAt(index) === entryTerm;
  }

  /** Appends at the end; the leader's path (Figure 2, "Leader Append-Only"). `own`: this replica, as leader, proposed it. */
  append(entry: RaftEntry, own = false): void {
    assert(entry.index === this.lastIndex + 1, `log: append at ${entry.index} after last ${this.lastIndex}`);
    assert(entry.term >= this.lastTerm, `log: term ${entry.term} below last term ${this.lastTerm}`);
    this.entries.push(entry);
    this.facts?.appended(entry.index, entry.term, entry.command, own);
  }

  /**
   * Figure 2, AppendEntries receiver step 3–4: "If an existing entry conflicts with a new one (same
   * index but different terms), delete the existing entry and all that follow it; append any new
   * entries not already in the log." Returns the entries actually written (to persist), empty when
   * every entry was already present.
   */
  mergeEntries(incoming: readonly RaftEntry[]): RaftEntry[] {
    for (let position = 0; position < incoming.length; position++) {
      const entry = incoming[position] as RaftEntry;
      if (entry.index <= this.snapshotIndex) continue;
      const existing = this.termAt(entry.index);
      if (existing === entry.term) continue;
      if (existing !== null) this.truncateFrom(entry.index);
      const written = incoming.slice(position);
      for (const item of written) this.append(item);
      return written;
    }
    return [];
  }

  /** Deletes the entries from `index` on. Committed entries must never be passed here (asserted by the caller). */
  truncateFrom(index: number): void {
    assert(index > this.snapshotIndex, `log: truncate at ${index} inside the snapshot (${this.snapshotIndex})`);
    assert(index <= this.lastIndex, `log: truncate at ${index} beyond last ${this.lastIndex}`);
    this.entries.length = index - this.snapshotIndex - 1;
    this.noteTruncation(index);
    this.facts?.truncated(index);
  }

  /** §7: discard the entries up to `index`, which a snapshot now covers. */
  compactTo(index: LogIndex, indexTerm: Term): void {
    assert(index > this.snapshotIndex, `log: compact to ${index} not after snapshot ${this.snapshotIndex}`);
    assert(this.termAt(index) === indexTerm, `log: compact to ${index} with a term the log does not hold there`);
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = indexTerm;
  }

  /**
   * §7 InstallSnapshot: "If existing log entry has same index and term as snapshot's last included
   * entry, retain log entries following it"; otherwise discard the entire log.
   */
  installSnapshot(index: LogIndex, indexTerm: Term): void {
    if (index <= this.lastIndex && this.termAt(index) === indexTerm) {
      this.compactTo(index, indexTerm);
      return;
    }
    if (this.entries.length > 0) this.facts?.truncated(this.snapshotIndex + 1);
    this.entries = [];
    this.snapshotIndex = index;
    this.snapshotTerm = indexTerm;
    this.noteTruncation(index + 1);
  }

  /** Restores from a disk image; copies the entries. */
  restore(snapshotIndex: LogIndex, snapshotTerm: Term, entries: readonly RaftEntry[]): void {
    this.snapshotIndex = snapshotIndex;
    this.snapshotTerm = snapshotTerm;
    this.entries = entries.map((entry) => ({ ...entry }));
    assert(entries.length === 0 || entries[0]?.index === snapshotIndex + 1, 'log: restored entries do not follow the snapshot');
  }

  private noteTruncation(fromIndex: number): void {
    this.truncationCount++;
    this.truncations.push({ count: this.truncationCount, fromIndex });
    if (this.truncations.length > limits.truncationsRememberedMax) this.truncations.shift();
  }
}
