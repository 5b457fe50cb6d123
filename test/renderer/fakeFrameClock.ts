import type { FrameClock } from '../../renderer/stores/chartRedraws';

/** Frames and timers run by hand. */
export function fakeClock(): FrameClock & { now: number; frames: Array<() => void>; timers: Array<{ at: number; run: () => void }>; advance(ms: number): void; frame(): void } {
  const clock = {
    now: 0,
    frames: [] as Array<() => void>,
    timers: [] as Array<{ at: number; run: () => void }>,
    nowMs: () => clock.now,
    requestFrame: (callback: () => void) => void clock.frames.push(callback),
    setTimer: (callback: () => void, delayMs: number) => void clock.timers.push({ at: clock.now + delayMs, run: callback }),
    advance(ms: number) {
      clock.now += ms;
      const due = clock.timers.filter((timer) => timer.at <= clock.now);
      clock.timers = clock.timers.filter((timer) => timer.at > clock.now);
      due.forEach((timer) => timer.run());
    },
    frame() {
      const frames = clock.frames;
      clock.frames = [];
      frames.forEach((run) => run());
    },
  };
  return clock;
}
