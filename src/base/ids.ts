/**
 * Branded identifiers, so that a term cannot be passed where a log index is expected.
 * They are plain numbers and strings at run time and cross thread boundaries unchanged.
 */
declare const brand: unique symbol;
export type Brand<T, Name extends string> = T & { readonly [brand]: Name };

/** A replica's id: `n1` … `n9`. */
export type NodeId = Brand<string, 'NodeId'>;
/** Raft term (§5.1). */
export type Term = Brand<number, 'Term'>;
/** Raft log index; the first entry is at 1, 0 means "before the log". */
export type LogIndex = Brand<number, 'LogIndex'>;
/** VR view number (§4). */
export type ViewNumber = Brand<number, 'ViewNumber'>;
/** VR op number (§4): the position of a request in the log. */
export type OpNumber = Brand<number, 'OpNumber'>;
/** Multi-Paxos slot (Paxos Made Simple §3: the instance number of one consensus); the first is 1. */
export type Slot = Brand<number, 'Slot'>;
/** A client's id, a small integer starting at 1. */
export type ClientId = Brand<number, 'ClientId'>;
/** A client request's id, unique within a run. */
export type RequestId = Brand<number, 'RequestId'>;

export const nodeId = (value: string): NodeId => value as NodeId;
export const term = (value: number): Term => value as Term;
export const logIndex = (value: number): LogIndex => value as LogIndex;
export const viewNumber = (value: number): ViewNumber => value as ViewNumber;
export const opNumber = (value: number): OpNumber => value as OpNumber;
export const slot = (value: number): Slot => value as Slot;
export const clientId = (value: number): ClientId => value as ClientId;
export const requestId = (value: number): RequestId => value as RequestId;

/** The ids of an n-node cluster: n1 … nN. */
export function nodeIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => nodeId(`n${i + 1}`));
}
