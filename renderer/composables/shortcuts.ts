/** The keyboard shortcuts, as the help panel lists them. */
export const shortcuts: ReadonlyArray<{ readonly keys: string; readonly does: string }> = [
  { keys: 'Space', does: 'Pause or resume the run (in the replay: play or pause it)' },
  { keys: ', / .', does: 'Replay: step one event back or forward' },
  { keys: 'S', does: 'Start a run (lab view), or stop the one going' },
  { keys: 'A', does: 'Switch between CP and AP' },
  { keys: 'G / L / R / P / C / W / M / U', does: 'Go to the gallery, the lab, the results, the replay, the comparison, the seed sweep, the swarm, the guarantees table' },
  { keys: '+ / − / ← / → / F', does: 'Space-time diagram (focused): zoom, pan, follow' },
  { keys: 'T', does: 'Switch between light and dark' },
  { keys: '?', does: 'Show or hide this help' },
  { keys: 'Esc', does: 'Close this help' },
];

/** Whether a key press belongs to a text field or control that uses it itself. */
export function typedIntoControl(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  if (target === null) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}
