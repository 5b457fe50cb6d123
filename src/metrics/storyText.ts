/**
 * Words for what a run's results say (issue 17, "results that tell the story"): faults as a person
 * says them ("n2's clock at 5 % speed", not `{"driftPpm":-950000}`), broken invariants grouped by
 * kind with the indices they span ("leader completeness ×41, indices 405–445"), and times that read
 * as times. Shared by the results screen and the self-contained report; pure.
 */

const percentWords = (fraction: number): string => `${Number((fraction * 100).toFixed(1))} %`;

function parsed(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function latencyWords(spec: unknown): string | null {
  if (typeof spec !== 'object' || spec === null) return null;
  const latency = spec as Record<string, number | string>;
  switch (latency.distribution) {
    case 'fixed':
      return `latency ${latency.value} ms`;
    case 'uniform':
      return `latency ${latency.min}–${latency.max} ms`;
    case 'normal':
      return `latency about ${latency.mean} ms`;
    case 'lognormal':
      return `latency median ${latency.median} ms, p99 ${latency.p99} ms`;
    case 'exponential':
      return `latency mean ${latency.mean} ms`;
    default:
      return null;
  }
}

/** A network change (`{"drop":0.3,"link":{…}}`) in words: "drops 30 %, latency 20–40 ms on n1→n2". */
function networkWords(change: Record<string, unknown>): string {
  const words: string[] = [];
  if (typeof change.drop === 'number') words.push(`drops ${percentWords(change.drop)}`);
  if (typeof change.duplicate === 'number') words.push(`duplicates ${percentWords(change.duplicate)}`);
  if (typeof change.reorder === 'number') words.push(`reorders ${percentWords(change.reorder)}`);
  const latency = latencyWords(change.latencyMs);
  if (latency !== null) words.push(latency);
  const link = change.link as { from?: string; to?: string; between?: readonly string[] } | undefined;
  const where = link === undefined ? 'every link' : link.between !== undefined ? `${link.between.join('↔')}` : `${link.from ?? '?'}→${link.to ?? '?'}`;
  return `${where} ${words.length === 0 ? 'changed' : words.join(', ')}`;
}

/** A clock change (`n2 {"driftPpm":-950000,"offsetMs":200}`) in words: "n2's clock at 5 % speed, jumps +200 ms". */
function clockWords(detail: string): string {
  const space = detail.indexOf(' ');
  const node = space < 0 ? detail : detail.slice(0, space);
  const change = space < 0 ? null : parsed(detail.slice(space + 1));
  if (change === null) return `clock: ${detail}`;
  const words: string[] = [];
  const drift = change.driftPpm;
  // A small drift is said in ppm (100.02 % speed reads as no change); a large one as the clock's speed.
  if (typeof drift === 'number') words.push(drift === 0 ? 'at normal speed' : Math.abs(drift) < 10_000 ? `runs ${Math.abs(drift)} ppm ${drift > 0 ? 'fast' : 'slow'}` : `at ${percentWords(1 + drift / 1e6)} speed`);
  if (typeof change.offsetMs === 'number' && change.offsetMs !== 0) words.push(`jumps ${change.offsetMs > 0 ? '+' : ''}${change.offsetMs} ms`);
  return `${node}'s clock ${words.length === 0 ? 'unchanged' : words.join(', ')}`;
}

/** A fault (a span's or a trace line's kind and detail) in words. */
export function faultInWords(kind: string, detail: string): string {
  switch (kind) {
    case 'clock':
      return clockWords(detail);
    case 'network': {
      const change = parsed(detail);
      return change === null ? `network: ${detail}` : networkWords(change);
    }
    case 'crash':
      return `${detail} crashed`;
    case 'pause':
      return `${detail} paused`;
    case 'disconnect':
      return `${detail} cut off from everyone`;
    case 'connect':
      return `${detail} reconnected`;
    case 'partition':
      return `partition ${detail}`;
    case 'heal':
      return 'partitions healed';
    case 'network-reset':
      return 'network back to the experiment settings';
    case 'consistency':
      return `consistency switched: ${detail}`;
    default:
      return `${kind}: ${detail}`;
  }
}

/** One kind of broken invariant, its sentences counted and the indices and replicas they name. */
export interface InvariantGroup {
  /** "leader completeness", "state-machine safety", "committed entries differ". */
  readonly kind: string;
  readonly count: number;
  /** The lowest and highest log index the sentences name; null when they name none. */
  readonly indices: { readonly low: number; readonly high: number } | null;
  /** Replicas the sentences name, in numeric order. */
  readonly replicas: readonly string[];
  /** The first sentence, as an example. */
  readonly example: string;
  readonly sentences: readonly string[];
}

/** The kind of an invariant sentence: its words before the first number, colon or index. */
function invariantKind(sentence: string): string {
  const withoutNode = sentence.replace(/^n\d+: /, '');
  const head = /^([^:\d]*?)(?:\s+at index\b|\s+at\b|\s+n\d|\s*:|\s+\d|$)/.exec(withoutNode);
  const kind = (head?.[1] ?? withoutNode).trim();
  return kind === '' ? withoutNode.slice(0, 40) : kind;
}

/** The log index a sentence names ("at index 445", "committed at 405"), or null. */
function invariantIndex(sentence: string): number | null {
  const match = /\b(?:index|at|slot|op-number)\s+(\d+)/.exec(sentence);
  return match === null ? null : Number(match[1]);
}

/** Broken invariants grouped by kind, most frequent first (ties in the order they first broke). */
export function groupInvariants(sentences: readonly string[]): InvariantGroup[] {
  const groups = new Map<string, { sentences: string[]; low: number; high: number; replicas: Set<string> }>();
  for (const sentence of sentences) {
    const kind = invariantKind(sentence);
    const group = groups.get(kind) ?? { sentences: [], low: Number.POSITIVE_INFINITY, high: Number.NEGATIVE_INFINITY, replicas: new Set<string>() };
    group.sentences.push(sentence);
    const index = invariantIndex(sentence);
    if (index !== null) {
      group.low = Math.min(group.low, index);
      group.high = Math.max(group.high, index);
    }
    for (const match of sentence.matchAll(/\bn(\d+)(?=\b|')/g)) group.replicas.add(`n${match[1]}`);
    groups.set(kind, group);
  }
  return [...groups]
    .map(([kind, group]) => ({
      kind,
      count: group.sentences.length,
      indices: Number.isFinite(group.low) ? { low: group.low, high: group.high } : null,
      replicas: [...group.replicas].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))),
      example: group.sentences[0] as string,
      sentences: group.sentences,
    }))
    .sort((a, b) => b.count - a.count);
}

/** A group in one line: "leader completeness ×41, indices 405–445 (n1, n5)". */
export function invariantGroupLine(group: InvariantGroup): string {
  const indices = group.indices === null ? '' : group.indices.low === group.indices.high ? `, index ${group.indices.low}` : `, indices ${group.indices.low}–${group.indices.high}`;
  const replicas = group.replicas.length === 0 ? '' : ` (${group.replicas.join(', ')})`;
  return `${group.kind} ×${group.count}${indices}${replicas}`;
}

/** A time of the run (µs) as people read it: "5.047 s", or "830 ms" under a second. */
export function instantText(us: number): string {
  const ms = us / 1000;
  return Math.abs(ms) < 1000 ? `${Number(ms.toFixed(1))} ms` : `${(ms / 1000).toFixed(3)} s`;
}

/** An operation's span: "5.047 s → 5.073 s (26 ms)", or "from 5.047 s, never answered". */
export function spanText(callUs: number, returnUs: number | null): string {
  if (returnUs === null) return `from ${instantText(callUs)}, never answered`;
  return `${instantText(callUs)} → ${instantText(returnUs)} (${Number(((returnUs - callUs) / 1000).toFixed(1))} ms)`;
}
