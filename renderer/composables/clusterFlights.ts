import { computed, markRaw, onScopeDispose, ref, shallowRef, watch } from 'vue';
import type { TraceEvent } from '../../src/contract/engine';
import { AnimationClock, type FlightRates, MessageFlights } from '../diagram/messageFlights';
import { type FlightLegendEntry, legendOf } from '../diagram/messageKinds';
import { useRunStore } from '../stores/run';
import { useTraceStore } from '../stores/trace';

/** How often the legend's numbers change at most, ms: faster is only flicker. */
export const flightStatsRefreshMs = 500;

/** What the legend says, refreshed at most every `flightStatsRefreshMs`. */
export interface FlightStats {
  readonly rates: FlightRates;
  /** ms on screen per ms of lab time; null before the first delivery. */
  readonly slowMotionFactor: number | null;
  readonly legend: readonly FlightLegendEntry[];
}

/** Whether the user asked the system for less motion (then the graph shows counts, not dots). */
function usePrefersReducedMotion() {
  const query = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)');
  const reduced = ref(query?.matches === true);
  const onChange = (event: MediaQueryListEvent) => (reduced.value = event.matches);
  query?.addEventListener('change', onChange);
  onScopeDispose(() => query?.removeEventListener('change', onChange));
  return reduced;
}

/**
 * The cluster graph's message dots for the current run: follows the trace store's batches (its
 * `append` and `reset` actions), runs the animation clock (still while the run is paused), and
 * keeps the hidden kinds across runs. The MessageFlights object is never reactive (markRaw);
 * `version` changes when a batch arrived, `stats` at most twice a second.
 */
export function useClusterFlights() {
  const trace = useTraceStore();
  const run = useRunStore();
  const clock = new AnimationClock();
  const flights = shallowRef<MessageFlights | null>(null);
  const version = ref(0);
  const stats = shallowRef<FlightStats | null>(null);
  const hiddenKinds = new Set<string>();
  const reducedMotion = usePrefersReducedMotion();
  let statsAtMs = Number.NEGATIVE_INFINITY;
  /** Dots move while the run plays, and drain after it ended; they wait while it is paused. */
  const playing = computed(() => run.status !== 'paused');

  /** Time while dots flew is never skipped: they are animated elsewhere (a worker), which reads no clock of ours. */
  const flyingUntilMs = () => flights.value?.flyingUntilMs ?? Number.NEGATIVE_INFINITY;

  function now(): number {
    return clock.advance(performance.now(), playing.value, flyingUntilMs());
  }

  // The pause freezes the clock from the moment it happened, not from the next frame.
  watch(playing, (_, wasPlaying) => void clock.advance(performance.now(), wasPlaying, flyingUntilMs()), { flush: 'sync' });

  function refreshStats(atMs: number, force = false): void {
    const current = flights.value;
    if (current === null) {
      stats.value = null;
      return;
    }
    if (!force && atMs - statsAtMs < flightStatsRefreshMs) return;
    statsAtMs = atMs;
    stats.value = { rates: current.rates(atMs), slowMotionFactor: current.slowMotionFactor, legend: legendOf(current.kinds, (kind) => current.isHidden(kind)) };
  }

  function observe(batch: readonly TraceEvent[], skipped: number): void {
    const atMs = now();
    if (flights.value === null) {
      const nodes = trace.timeline?.lanes ?? run.nodes;
      const created = markRaw(new MessageFlights(nodes, atMs));
      for (const kind of hiddenKinds) created.setHidden(kind, true);
      flights.value = created;
    }
    flights.value.observe(batch, atMs, skipped);
    version.value++;
    refreshStats(atMs);
  }

  function setFamilyHidden(entry: FlightLegendEntry, hidden: boolean): void {
    for (const kind of entry.kinds) {
      if (hidden) hiddenKinds.add(kind);
      else hiddenKinds.delete(kind);
      flights.value?.setHidden(kind, hidden);
    }
    version.value++;
    refreshStats(now(), true);
  }

  trace.$onAction(({ name, args, after }) => {
    if (name === 'reset') {
      after(() => {
        flights.value = null;
        statsAtMs = Number.NEGATIVE_INFINITY;
        stats.value = null;
        version.value++;
      });
    } else if (name === 'append') {
      const batch = args[0] as readonly TraceEvent[];
      const skipped = (args[1] as number | undefined) ?? 0;
      after(() => observe(batch, skipped));
    }
  });

  return { flights, version, stats, playing, reducedMotion, now, setFamilyHidden };
}
