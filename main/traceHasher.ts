import { createHash } from 'node:crypto';
import type { TraceHasher } from '../src/experiment/run';

/** Node's native SHA-256 for the trace digest; the same bytes give the same digest as the pure one. */
export function nativeTraceHasher(): TraceHasher {
  const hash = createHash('sha256');
  return { update: (text) => hash.update(text, 'utf8'), digest: () => hash.digest('hex') };
}
