import type { HistoryRecord, Value } from '../history/formats/record';

/** The four session guarantees of Terry et al., "Session guarantees for weakly consistent replicated data" (1994). */
export const sessionGuarantees = ['readYourWrites', 'monotonicReads', 'monotonicWrites', 'writesFollowReads'] as const;
export type SessionGuarantee = (typeof sessionGuarantees)[number];

/** Where a value stands in its key's version order (the initial value is -1), or null when it is not in it. */
export interface VersionOrder {
  positionOf(key: string, value: Value): number | null;
}

/** The verdict on one model of the consistency map (ARCHITECTURE §6). */
export type ModelVerdict =
  | { readonly status: 'holds' }
  | {
      readonly status: 'violated';
      readonly key: string;
      /** The operations that prove it, in history order. */
      readonly operations: readonly number[];
      readonly explanation: string;
    }
  | { readonly status: 'not checked'; readonly reason: string }
  | { readonly status: 'unknown'; readonly reason: string };

export interface SessionCheckOptions {
  /** Every register's value before any write. */
  readonly initial: Value;
  /** Knossos histories: a nil read is a read whose value is unknown. */
  readonly nilReadIsUnknown?: boolean;
  /** The real order of each key's versions (the lab's log); absent: inferred, one guarantee at a time. */
  readonly versionOrder?: VersionOrder;
}

/**
 * Why one edge of the version-order graph exists: the operations and a clause of the explanation,
 * written only when a cycle needs it (most edges are never shown, and writing every clause cost
 * more than the rest of the check).
 */
interface EdgeProof {
  readonly operations: readonly number[];
  readonly clause: () => string;
}

/** "x is older than y" for each edge x → y, per key; nodes are values as JSON text. */
type Graph = Map<string, Map<string, EdgeProof>>;

const nodeOf = (value: Value): string => JSON.stringify(value);

function addEdge(graph: Graph, from: string, to: string, proof: EdgeProof): void {
  if (from === to) return;
  let edges = graph.get(from);
  if (edges === undefined) graph.set(from, (edges = new Map()));
  if (!edges.has(to)) edges.set(to, proof);
  if (!graph.has(to)) graph.set(to, new Map());
}

/** What one operation observed and wrote, when it completed ok. */
interface Effect {
  readonly id: number;
  readonly observed?: string;
  readonly written?: string;
}

function effectOf(record: HistoryRecord, options: SessionCheckOptions): Effect | null {
  if (record.output.type !== 'ok') return null;
  const input = record.input;
  if (input.f === 'read') {
    const value = record.output.value ?? null;
    if (value === null && options.nilReadIsUnknown === true) return null;
    return { id: record.id, observed: nodeOf(value) };
  }
  if (input.f === 'write') return { id: record.id, written: nodeOf(input.value) };
  if (input.f === 'cas') return { id: record.id, observed: nodeOf(input.from), written: nodeOf(input.to) };
  return null;
}

/**
 * The edges each guarantee adds for one client's operations on one key, in process order. An
 * edge x → y says "version x is older than version y"; equal versions add nothing.
 * - monotonic reads: each value observed is not older than the one observed before it;
 * - read-your-writes: each value observed is not older than any the client wrote before;
 * - monotonic writes: each write is newer than the client's previous write;
 * - writes-follow-reads: each write is newer than every value the client observed before it.
 */
function addSessionEdges(guarantee: SessionGuarantee, session: { client: number; show: (node: string) => string }, effects: readonly Effect[], graph: Graph): void {
  const { client, show } = session;
  const writes: Effect[] = [];
  const reads: Effect[] = [];
  for (const effect of effects) {
    if (effect.observed !== undefined) {
      if (guarantee === 'monotonicReads' && reads.length > 0) {
        const previous = reads[reads.length - 1]!;
        addEdge(graph, previous.observed!, effect.observed, { operations: [previous.id, effect.id], clause: () => `client ${client} read ${show(previous.observed!)} (operation ${previous.id}) and then ${show(effect.observed!)} (operation ${effect.id})` });
      }
      if (guarantee === 'readYourWrites') {
        for (const write of writes) addEdge(graph, write.written!, effect.observed, { operations: [write.id, effect.id], clause: () => `client ${client} wrote ${show(write.written!)} (operation ${write.id}) and then read ${show(effect.observed!)} (operation ${effect.id})` });
      }
    }
    if (effect.written !== undefined) {
      if (guarantee === 'monotonicWrites' && writes.length > 0) {
        const previous = writes[writes.length - 1]!;
        addEdge(graph, previous.written!, effect.written, { operations: [previous.id, effect.id], clause: () => `client ${client} wrote ${show(previous.written!)} (operation ${previous.id}) and then ${show(effect.written!)} (operation ${effect.id})` });
      }
      if (guarantee === 'writesFollowReads') {
        for (const read of reads) {
          if (read.id === effect.id) continue;
          addEdge(graph, read.observed!, effect.written, { operations: [read.id, effect.id], clause: () => `client ${client} read ${show(read.observed!)} (operation ${read.id}) and then wrote ${show(effect.written!)} (operation ${effect.id})` });
        }
      }
      writes.push(effect);
    }
    if (effect.observed !== undefined) reads.push(effect);
  }
}

/** The strongly connected components of a graph (Tarjan's algorithm, iterative). */
function stronglyConnected(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; edges: Iterator<string> }> = [];
    const open = (node: string): void => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: graph.get(node)!.keys() });
    };
    open(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const step = frame.edges.next();
      if (!step.done) {
        const next = step.value;
        if (!index.has(next)) open(next);
        else if (onStack.has(next)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(next)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

/** A cycle through a strongly connected component of two or more nodes, as its edges' proofs. */
function cycleIn(graph: Graph, component: readonly string[]): EdgeProof[] {
  const inside = new Set(component);
  const start = component[0]!;
  // Breadth-first from each successor of `start` back to `start`, inside the component.
  const parent = new Map<string, string>();
  const queue: string[] = [start];
  parent.set(start, start);
  let found: string | null = null;
  while (queue.length > 0 && found === null) {
    const node = queue.shift()!;
    for (const next of graph.get(node)!.keys()) {
      if (!inside.has(next)) continue;
      if (next === start) {
        found = node;
        break;
      }
      if (!parent.has(next)) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  const path: string[] = [start];
  for (let node = found!; node !== start; node = parent.get(node)!) path.push(node);
  path.push(start);
  path.reverse();
  const proofs: EdgeProof[] = [];
  for (let position = 0; position + 1 < path.length; position++) proofs.push(graph.get(path[position]!)!.get(path[position + 1]!)!);
  return proofs;
}

const guaranteeName: Record<SessionGuarantee, string> = {
  readYourWrites: 'read-your-writes',
  monotonicReads: 'monotonic reads',
  monotonicWrites: 'monotonic writes',
  writesFollowReads: 'writes-follow-reads',
};

/**
 * Checks one session guarantee, per key: is there an order of each key's versions (the initial
 * value first) under which every client's reads and writes satisfy it? With the lab's version
 * order (the log) that order is given and the check is exact; without one it is inferred for
 * each guarantee alone, so a violation here is one no version order can explain. Each written
 * value must be unique (ARCHITECTURE §5); a history whose values repeat is not checked.
 */
export function checkSessionGuarantee(guarantee: SessionGuarantee, records: readonly HistoryRecord[], options: SessionCheckOptions): ModelVerdict {
  return checkVersionOrder([guarantee], records, options);
}

/**
 * Whether one order of each key's versions satisfies all four guarantees at once. Sequential
 * consistency implies it (the order of the writes in a sequential witness is one), so a cycle
 * here proves a history is not sequentially consistent, at the cost of a graph search.
 */
export function checkAllSessionGuaranteesAtOnce(records: readonly HistoryRecord[], options: SessionCheckOptions): ModelVerdict {
  return checkVersionOrder(sessionGuarantees, records, options);
}

function checkVersionOrder(guarantees: readonly SessionGuarantee[], records: readonly HistoryRecord[], options: SessionCheckOptions): ModelVerdict {
  const sessions = sessionsOf(records, options);
  return 'status' in sessions ? sessions : verdictOf(guarantees, sessions, options);
}

/** Each key's clients' effects in process order, keys sorted: what every guarantee's check reads. */
interface Sessions {
  readonly initial: string;
  readonly keys: ReadonlyArray<{ readonly key: string; readonly clients: ReadonlyArray<{ readonly client: number; readonly effects: readonly Effect[] }> }>;
}

function sessionsOf(records: readonly HistoryRecord[], options: SessionCheckOptions): Sessions | ModelVerdict {
  const written = new Set<string>();
  const byKey = new Map<string, HistoryRecord[]>();
  for (const record of records) {
    const input = record.input;
    if (input.f !== 'read' && input.f !== 'write' && input.f !== 'cas') return { status: 'not checked', reason: `session guarantees are checked on registers, and this history has ${input.f} operations` };
    const value = input.f === 'write' ? input.value : input.f === 'cas' ? input.to : undefined;
    if (value !== undefined) {
      const node = nodeOf(value);
      if (written.has(node) || value === options.initial) return { status: 'not checked', reason: `the value ${node} is written more than once, so a read cannot say which write it saw` };
      written.add(node);
    }
    const key = input.key ?? '';
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [record]);
    else list.push(record);
  }
  const keys = [...byKey.keys()].sort().map((key) => {
    const byClient = new Map<number, HistoryRecord[]>();
    for (const record of byKey.get(key)!) {
      const list = byClient.get(record.clientId);
      if (list === undefined) byClient.set(record.clientId, [record]);
      else list.push(record);
    }
    const clients = [...byClient].map(([client, list]) => {
      const ordered = [...list].sort((left, right) => left.call - right.call || left.id - right.id);
      return { client, effects: ordered.map((record) => effectOf(record, options)).filter((effect) => effect !== null) };
    });
    return { key, clients };
  });
  return { initial: nodeOf(options.initial), keys };
}

function verdictOf(guarantees: readonly SessionGuarantee[], sessions: Sessions, options: SessionCheckOptions): ModelVerdict {
  const initial = sessions.initial;
  const show = (node: string): string => (node === initial ? 'the initial value' : node);
  for (const { key, clients } of sessions.keys) {
    const graph: Graph = new Map([[initial, new Map()]]);
    for (const { client, effects } of clients) {
      for (const guarantee of guarantees) addSessionEdges(guarantee, { client, show }, effects, graph);
    }
    addVersionOrderEdges(graph, { key, initial, show }, options);
    const component = stronglyConnected(graph).find((members) => members.length > 1);
    if (component === undefined) continue;
    const proofs = cycleIn(graph, component);
    const operations = [...new Set(proofs.flatMap((proof) => proof.operations))].sort((left, right) => left - right);
    const how = options.versionOrder === undefined ? 'no order of its versions allows it' : 'the log orders its versions otherwise';
    const name = guarantees.length === 1 ? guaranteeName[guarantees[0]!] : 'the session guarantees together';
    const explanation = `${name} break${guarantees.length === 1 ? 's' : ''} on ${key === '' ? 'the register' : `key ${key}`}: ${proofs.map((proof) => proof.clause()).join('; ')} — ${how}`;
    return { status: 'violated', key, operations, explanation };
  }
  return { status: 'holds' };
}

/** The initial value before every version; with a known order, each version before the next. */
function addVersionOrderEdges(graph: Graph, where: { key: string; initial: string; show: (node: string) => string }, options: SessionCheckOptions): void {
  const { key, initial, show } = where;
  const nodes = [...graph.keys()].filter((node) => node !== initial);
  for (const node of nodes) addEdge(graph, initial, node, { operations: [], clause: () => `${show(node)} is newer than the initial value` });
  if (options.versionOrder === undefined) return;
  const positioned = nodes
    .map((node) => ({ node, position: options.versionOrder!.positionOf(key, JSON.parse(node) as Value) }))
    .filter((entry): entry is { node: string; position: number } => entry.position !== null && entry.position >= 0)
    .sort((left, right) => left.position - right.position);
  for (let position = 0; position + 1 < positioned.length; position++) {
    const older = positioned[position]!.node;
    const newer = positioned[position + 1]!.node;
    addEdge(graph, older, newer, { operations: [], clause: () => `the log puts ${older} before ${newer}` });
  }
}

/** All four session guarantees. */
export function checkSessionGuarantees(records: readonly HistoryRecord[], options: SessionCheckOptions): Record<SessionGuarantee, ModelVerdict> {
  // The history is grouped by key and client once, for the four checks.
  const sessions = sessionsOf(records, options);
  const check = (guarantee: SessionGuarantee): ModelVerdict => ('status' in sessions ? sessions : verdictOf([guarantee], sessions, options));
  return {
    readYourWrites: check('readYourWrites'),
    monotonicReads: check('monotonicReads'),
    monotonicWrites: check('monotonicWrites'),
    writesFollowReads: check('writesFollowReads'),
  };
}

/**
 * The refutation the sequential search tries first on a register partition: a cycle in the
 * version order the four guarantees demand together proves no sequential order exists.
 */
export function sessionOrderRefutation(options: Omit<SessionCheckOptions, 'versionOrder'>): (records: readonly unknown[]) => { key: string; operations: readonly number[]; explanation: string } | null {
  return (records) => {
    const verdict = checkAllSessionGuaranteesAtOnce(records as readonly HistoryRecord[], options);
    if (verdict.status !== 'violated') return null;
    return { key: verdict.key, operations: verdict.operations, explanation: `every sequential order of a register keeps each client's reads and writes in version order, and ${verdict.explanation}` };
  };
}
