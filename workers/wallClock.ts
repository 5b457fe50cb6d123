import { performance } from 'node:perf_hooks';

/** Wall time in epoch ms, with sub-ms precision, the same in every thread (the lab clock's anchor, ARCHITECTURE §3). */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}
