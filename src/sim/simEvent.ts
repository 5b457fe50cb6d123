import type { NodeId } from '../base/ids';
import type { ClientReply, ClientRequest } from '../kv/command';

export type SimEventKind = 'tick' | 'deliver' | 'request' | 'reply' | 'release' | 'durable' | 'call';

/**
 * One scheduled event. Every kind is the same class with every field (those a kind does not use
 * stay empty), so the simulator's loop reads events of one shape: with a union of object
 * literals, each field read in the hot path would see seven shapes and go megamorphic.
 */
export class SimEvent {
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

  constructor(readonly kind: SimEventKind) {}

  static tick(node: number, generation: number): SimEvent {
    const event = new SimEvent('tick');
    event.node = node;
    event.generation = generation;
    return event;
  }

  static deliver(from: number, to: number, message: unknown, id: number): SimEvent {
    const event = new SimEvent('deliver');
    event.from = from;
    event.node = to;
    event.message = message;
    event.id = id;
    return event;
  }

  static request(to: number, request: ClientRequest): SimEvent {
    const event = new SimEvent('request');
    event.node = to;
    event.request = request;
    return event;
  }

  static reply(reply: ClientReply): SimEvent {
    const event = new SimEvent('reply');
    event.reply = reply;
    return event;
  }

  static release(node: number, incarnation: number, messages: ReadonlyArray<{ to: NodeId; message: unknown }>, replies: readonly ClientReply[]): SimEvent {
    const event = new SimEvent('release');
    event.node = node;
    event.generation = incarnation;
    event.messages = messages;
    event.replies = replies;
    return event;
  }

  static durable(node: number, incarnation: number): SimEvent {
    const event = new SimEvent('durable');
    event.node = node;
    event.generation = incarnation;
    return event;
  }

  static call(action: () => void): SimEvent {
    const event = new SimEvent('call');
    event.action = action;
    return event;
  }
}
