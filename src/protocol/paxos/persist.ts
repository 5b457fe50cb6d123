import { assertNever } from '../../base/assert';
import { ballotZero, type Decision, type PaxosDisk, type PaxosPersistRecord, type PaxosSnapshot, type PValue } from './messages';

/** The disk image as `applyPaxosPersist` keeps it: the host owns it, so it is updated in place. */
interface PaxosDiskImage {
  promised: PaxosDisk['promised'];
  accepted: { [slot: number]: PValue };
  decisions: { [slot: number]: Decision };
  snapshot: PaxosSnapshot | null;
}

/**
 * Applies persist records to a disk image (the host calls it when a batch becomes durable) and
 * returns the image, updated in place as a disk is. A replica copies what it keeps on restart.
 */
export function applyPaxosPersist(disk: PaxosDisk | null, records: readonly PaxosPersistRecord[]): PaxosDisk | null {
  if (records.length === 0) return disk;
  const image: PaxosDiskImage = disk === null ? { promised: ballotZero, accepted: {}, decisions: {}, snapshot: null } : (disk as PaxosDiskImage);
  for (const record of records) {
    switch (record.kind) {
      case 'promise':
        image.promised = record.ballot;
        break;
      case 'accept':
        image.accepted[record.pvalue.slot] = record.pvalue;
        break;
      case 'decide':
        if (record.decision.slot > (image.snapshot?.slot ?? 0)) image.decisions[record.decision.slot] = record.decision;
        break;
      case 'snapshot': {
        const upTo = record.snapshot.slot;
        if (upTo <= (image.snapshot?.slot ?? 0)) break;
        image.snapshot = record.snapshot;
        for (const key of Object.keys(image.accepted)) if (Number(key) <= upTo) delete image.accepted[Number(key)];
        for (const key of Object.keys(image.decisions)) if (Number(key) <= upTo) delete image.decisions[Number(key)];
        break;
      }
      default:
        assertNever(record, 'paxos persist record');
    }
  }
  return image;
}
