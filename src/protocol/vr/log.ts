import { assert } from '../../base/assert';
import { type OpNumber, opNumber } from '../../base/ids';
import type { LogFacts } from '../logFacts';
import type { VrLogEntry } from './messages';

/**
 * The in-memory log of §4: entries for op-numbers `baseOpNumber + 1 … lastOpNumber`. Ops at or
 * below `baseOpNumber` live only in the checkpoint (§5.1) and were truncated away.
 */
export class VrLog {
  private entries: VrLogEntry[] = [];
  private base: number;

  /** `facts`: where the log reports what it does to itself, for the trace (protocol/logFacts.ts). */
  constructor(baseOpNumber: OpNumber = opNumber(0), private readonly facts: LogFacts | null = null) {
    assert(baseOpNumber >= 0, 'log base is not negative');
    this.base = baseOpNumber;
  }

  /** The op-number of the checkpoint this log continues. */
  get baseOpNumber(): OpNumber {
    return opNumber(this.base);
  }

  /** The paper's op-number: the most recent op in the log (or the checkpoint's when empty). */
  get lastOpNumber(): OpNumber {
    return opNumber(this.base + this.entries.length);
  }

  get entryCount(): number {
    return this.entries.length;
  }

  /** True when the log holds an entry for `op` (not truncated, not beyond the end). */
  has(op: number): boolean {
    return op > this.base && op <= this.base + this.entries.length;
  }

  entry(op: number): VrLogEntry {
    assert(this.has(op), () => `log has no op ${op} (holds ${this.base + 1}..${this.lastOpNumber})`);
    return this.entries[op - this.base - 1] as VrLogEntry;
  }

  /** The last entry, or null when the log holds none beyond its base. */
  lastEntry(): VrLogEntry | null {
    return this.entries[this.entries.length - 1] ?? null;
  }

  /** `own`: this replica, as primary, assigned the op-number. */
  append(entry: VrLogEntry, own = false): void {
    assert(entry.opNumber === this.lastOpNumber + 1, () => `append op ${entry.opNumber} after op ${this.lastOpNumber}: ops are consecutive`);
    this.entries.push(entry);
    this.facts?.appended(entry.opNumber, entry.viewNumber, entry.command, own);
  }

  /** Entries after `op` (exclusive), at most `countMax` of them. */
  entriesAfter(op: number, countMax = Number.POSITIVE_INFINITY): VrLogEntry[] {
    assert(op >= this.base, () => `entries after op ${op} were truncated (base ${this.base})`);
    const start = op - this.base;
    return this.entries.slice(start, start + Math.min(countMax, this.entries.length));
  }

  /** Drops every entry after `op` (§4.2: uncommitted ops replaced by the new view's log). */
  truncateAfter(op: number): void {
    assert(op >= this.base, () => `truncate after op ${op} below the base ${this.base}`);
    if (op < this.lastOpNumber) {
      this.entries.length = op - this.base;
      this.facts?.truncated(op + 1);
    }
  }

  /** Drops every entry at or before `op`, which a checkpoint now covers (§5.1). */
  truncateBefore(op: number): void {
    assert(op >= this.base && op <= this.lastOpNumber, () => `checkpoint op ${op} outside ${this.base}..${this.lastOpNumber}`);
    this.entries = this.entries.slice(op - this.base);
    this.base = op;
  }

  /** Empties the log and restarts it after a checkpoint at `op` received from another replica. */
  reset(op: OpNumber): void {
    if (this.entries.length > 0) this.facts?.truncated(this.base + 1);
    this.entries = [];
    this.base = op;
  }
}
