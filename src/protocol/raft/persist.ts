import { assert, assertNever } from '../../base/assert';
import { term } from '../../base/ids';
import type { KvSnapshot } from '../../kv/store';
import type { RaftDisk, RaftEntry, RaftPersistRecord, RaftSnapshot } from './messages';

/** The disk of a node that never wrote anything. */
export const raftDiskEmpty: RaftDisk = { term: term(0), votedFor: null, snapshot: null, entries: [] };

/**
 * Applies persist records to a disk image (the host calls it when a batch becomes durable).
 * Pure: the old image is never mutated, so a host may keep it (disk amnesia, replays).
 */
export function applyRaftPersist(disk: RaftDisk | null, records: readonly RaftPersistRecord[]): RaftDisk | null {
  if (records.length === 0) return disk;
  let current: RaftDisk = disk ?? raftDiskEmpty;
  let entries: RaftEntry[] | null = null; // copied on the first change
  const writable = (): RaftEntry[] => {
    if (entries === null) entries = current.entries.slice();
    return entries;
  };
  for (const record of records) {
    switch (record.kind) {
      case 'hard-state':
        current = { ...current, term: record.term, votedFor: record.votedFor };
        break;
      case 'append': {
        const first = record.entries[0];
        if (first === undefined) break;
        const list = writable();
        const base = current.snapshot?.index ?? 0;
        // Entries already covered by the snapshot are skipped; the rest cut the stored log at their start.
        const kept = record.entries.filter((entry) => entry.index > base);
        const start = kept[0];
        if (start === undefined) break;
        assert(start.index <= base + list.length + 1, `raft disk: append at ${start.index} leaves a gap after ${base + list.length}`);
        list.length = start.index - base - 1;
        for (const entry of kept) list.push(entry);
        break;
      }
      case 'snapshot': {
        const list = writable();
        const base = current.snapshot?.index ?? 0;
        const snapshot = record.snapshot;
        if (snapshot.index <= base) break;
        const held = list[snapshot.index - base - 1];
        // §7: keep the entries after the snapshot only if the stored log agrees with it there.
        const retained = held !== undefined && held.term === snapshot.term ? list.slice(snapshot.index - base) : [];
        entries = retained;
        current = { ...current, snapshot };
        break;
      }
      default:
        assertNever(record, 'raft persist record');
    }
  }
  return entries === null ? current : { ...current, entries };
}

/** A deep copy of a state-machine snapshot, so a replica never holds references into a disk. */
export function copyKvSnapshot(state: KvSnapshot): KvSnapshot {
  return {
    values: state.values.map(([key, value]) => [key, value] as const),
    sessions: state.sessions.map(([client, record]) => [client, { ...record, result: { ...record.result } }] as const),
  };
}

export function copySnapshot(snapshot: RaftSnapshot): RaftSnapshot {
  return { index: snapshot.index, term: snapshot.term, state: copyKvSnapshot(snapshot.state) };
}
