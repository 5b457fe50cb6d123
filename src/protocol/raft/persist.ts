import { assert, assertNever } from '../../base/assert';
import { term } from '../../base/ids';
import type { RaftDisk, RaftEntry, RaftPersistRecord, RaftSnapshot } from './messages';

/** The disk of a node that never wrote anything. */
export const raftDiskEmpty: RaftDisk = { term: term(0), votedFor: null, snapshot: null, entries: [] };

/** The disk image as `applyRaftPersist` keeps it: the host owns it, so it is updated in place. */
interface RaftDiskImage {
  term: RaftDisk['term'];
  votedFor: RaftDisk['votedFor'];
  snapshot: RaftSnapshot | null;
  entries: RaftEntry[];
}

/**
 * Applies persist records to a disk image (the host calls it when a batch becomes durable) and
 * returns the image. The image is updated in place, as a disk is: copying the stored log for every
 * batch made a long log cost O(log length) per append. This is safe because the host owns the
 * image and a replica copies whatever it keeps from it on restart (`RaftNode.restore`); a host that
 * wants to keep an old image (a replay) copies it first. A null disk starts a fresh image, never
 * the shared `raftDiskEmpty`.
 */
export function applyRaftPersist(disk: RaftDisk | null, records: readonly RaftPersistRecord[]): RaftDisk | null {
  if (records.length === 0) return disk;
  const image: RaftDiskImage = disk === null ? { term: raftDiskEmpty.term, votedFor: null, snapshot: null, entries: [] } : (disk as RaftDiskImage);
  for (const record of records) {
    switch (record.kind) {
      case 'hard-state':
        image.term = record.term;
        image.votedFor = record.votedFor;
        break;
      case 'append':
        appendToImage(image, record.entries);
        break;
      case 'snapshot': {
        const list = image.entries;
        const base = image.snapshot?.index ?? 0;
        const snapshot = record.snapshot;
        if (snapshot.index <= base) break;
        const held = list[snapshot.index - base - 1];
        // §7: keep the entries after the snapshot only if the stored log agrees with it there.
        image.entries = held !== undefined && held.term === snapshot.term ? list.slice(snapshot.index - base) : [];
        image.snapshot = snapshot;
        break;
      }
      default:
        assertNever(record, 'raft persist record');
    }
  }
  return image;
}

/** Stores entries: those the snapshot covers are skipped; the rest cut the stored log at their start. */
function appendToImage(image: RaftDiskImage, entries: readonly RaftEntry[]): void {
  const list = image.entries;
  const base = image.snapshot?.index ?? 0;
  let position = 0;
  while (position < entries.length && (entries[position] as RaftEntry).index <= base) position++;
  const start = entries[position];
  if (start === undefined) return;
  assert(start.index <= base + list.length + 1, () => `raft disk: append at ${start.index} leaves a gap after ${base + list.length}`);
  list.length = start.index - base - 1;
  for (; position < entries.length; position++) list.push(entries[position] as RaftEntry);
}
