import { type Ref, onBeforeUnmount } from 'vue';
import { type SpaceTimePaintReply, type SpaceTimePaintRequest, paintSpaceTime } from '../canvas/spaceTimePaint';
import { PaintScheduler } from '../diagram/paintScheduler';
import type { SpaceTimeScene } from '../diagram/spaceTimeScene';
import { useCanvasWorker } from './canvasWorker';

/**
 * The least time between two pictures drawn because the timeline grew, ms: a following window
 * then moves five times a second (each picture is a few ms of rasterising thousands of lines);
 * what the user does (hover, zoom, pan, a replay's instant) is drawn in the next frame.
 */
export const growingRedrawIntervalMs = 200;

/**
 * Paints the space-time diagram's scenes on its canvas, in a worker when it can (see
 * useCanvasWorker): rasterising thousands of lines then never holds up the page's frames. When
 * a scene is built is the PaintScheduler's call; `build` may return null to paint nothing now.
 */
export function useSpaceTimePainter(canvas: Ref<HTMLCanvasElement | null>, build: () => SpaceTimeScene | null) {
  const target = useCanvasWorker<SpaceTimePaintRequest, SpaceTimePaintReply>({
    canvas,
    create: () => new Worker(new URL('../canvas/spaceTimePaint.worker.ts', import.meta.url), { type: 'module', name: 'space-time diagram' }),
    canvasRequest: (offscreen) => ({ kind: 'canvas', canvas: offscreen }),
    onPainter: () => scheduler.request(),
    onReply: () => scheduler.done(),
    onFailure: () => scheduler.done(),
  });

  const scheduler = new PaintScheduler(
    {
      nowMs: () => performance.now(),
      requestFrame: (callback) => void requestAnimationFrame(() => callback()),
      setTimer: (callback, delayMs) => void setTimeout(callback, delayMs),
    },
    () => {
      if (target.painter() === 'starting') return 'not-ready';
      const scene = build();
      if (scene === null) return 'painted';
      if (target.post({ kind: 'scene', scene }, [scene.lines.buffer, scene.fates.buffer])) return 'sent';
      const context = target.pageContext();
      if (context !== null) paintSpaceTime(context, scene);
      return 'painted';
    },
    growingRedrawIntervalMs,
  );

  onBeforeUnmount(() => scheduler.dispose());

  return { request: (growing = false) => scheduler.request(growing) };
}
