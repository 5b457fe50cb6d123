import { canvasWorkerScope } from './canvasWorkerScope';
import { FlightAnimator, type FlightPaintRequest } from './flightDotsPaint';

/**
 * The cluster graph's message worker: it owns the graph's message canvas (an OffscreenCanvas the
 * page hands over once) and animates the dots of the newest scene on its own animation frames, so
 * sixty pictures a second cost the page's thread nothing; the page sends a scene per trace batch.
 */
let animator: FlightAnimator | null = null;

canvasWorkerScope<FlightPaintRequest, never>((request, scope) => {
  if (request.kind === 'canvas') {
    const context = request.canvas.getContext('2d');
    // A worker without animation frames (none known today) steps at about 60 a second.
    const requestFrame = scope.requestAnimationFrame?.bind(scope) ?? ((callback: () => void) => setTimeout(callback, 16));
    if (context !== null) animator = new FlightAnimator(context, (callback) => void requestFrame(callback));
    return;
  }
  if (request.kind === 'dots') animator?.showDots(request.scene);
  else animator?.showCounts(request.scene);
});
