// What the bus benchmark's replica workers host (bench/bus.ts loads it into each worker, bundled
// through `?modulePath`): no protocol work, only forwarding.
import { echoProtocol } from './echoProtocol';

/** Messages each echo replica starts with; they circle the ring for the whole benchmark. */
export const messagesInFlightPerNode = 2000;
export const protocol = echoProtocol(messagesInFlightPerNode);
