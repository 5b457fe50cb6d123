import type { NodeId } from '../base/ids';
import type { ClientReply, ClientRequest } from '../kv/command';

export type SimEventKind = 'tick' | 'deliver' | 'request' | 'reply' | 'release' | 'durable' | 'call';

/** Spent events kept for reuse; beyond this many the garbage collector takes them. */
const poolMax = 4096;
const pool: SimEvent[] = [];

/** A spent event from the pool (its fields empty), or a new one. */
function take(kind: SimEventKind): SimEvent {
  const event = pool.pop();
  if (event === undefined) return new SimEvent(kind);
  event.kind = kind;
  return event;
}

/**
 * One scheduled event. Every kind is the same class with every field (those a kind does not use
 * stay empty), so the simulator's loop reads events of one shape: with a union of object
 * literals, each field read in the hot path would see seven shapes and go megamorphic.
 *
 * Events are pooled: the simulator hands an event back (`recycle`) once it has run, unless
 * something still holds it (`held`: a paused node's inbox), and the factories reuse spent ones,
 * so the hot path allocates no event per message, tick or reply.
 */
export class SimEvent {
  /** True while something outside the queue keeps the event (a paused node's inbox): not recycled. */
  held = false;
  /** The node the event happens at (tick, deliver, request, release, durable); -1 for none. */
  node = -1;
  /** deliver: the sender's index. */
  from = -1;
  /** tick: the tick generation it belongs to; release, durable: the node's incarnation. */
  generation = 0;
  /** deliver: the message id of the trace. */
  id = 0;
  message: unknown = null;
  request: ClientRequest | null = null;
  reply: ClientReply | null = null;
  messages: ReadonlyArray<{ to: NodeId; message: unknown }> | null = null;
  replies: readonly ClientReply[] | null = null;
  action: (() => void) | null = null;

  constructor(public kind: SimEventKind) {}

  /** Hands a spent event back to the pool, its references cleared. */
  static recycle(event: SimEvent): void {
    if (event.held || pool.length >= poolMax) return;
    event.node = -1;
    event.from = -1;
    event.generation = 0;
    event.id = 0;
    event.message = null;
    event.request = null;
    event.reply = null;
    event.messages = null;
    event.replies = null;
    event.action = null;
    pool.push(event);
  }

  static tick(node: number, generation: number): SimEvent {
    const event = take('tick');
    event.node = node;
    event.generation = generation;
    return event;
  }

  static deliver(from: number, to: number, message: unknown, id: number): SimEvent {
    const event = take('deliver');
    event.from = from;
    event.node = to;
    event.message = message;
    event.id = id;
    return event;
  }

  static request(to: number, request: ClientRequest): SimEvent {
    const event = take('request');
    event.node = to;
    event.request = request;
    return event;
  }

  static reply(reply: ClientReply): SimEvent {
    const event = take('reply');
    event.reply = reply;
    return event;
  }

  static release(node: number, incarnation: number, messages: ReadonlyArray<{ to: NodeId; message: unknown }>, replies: readonly ClientReply[]): SimEvent {
    const event = take('release');
    event.node = node;
    event.generation = incarnation;
    event.messages = messages;
    event.replies = replies;
    return event;
  }

  static durable(node: number, incarnation: number): SimEvent {
    const event = take('durable');
    event.node = node;
    event.generation = incarnation;
    return event;
  }

  static call(action: () => void): SimEvent {
    const event = take('call');
    event.action = action;
    return event;
  }
}
