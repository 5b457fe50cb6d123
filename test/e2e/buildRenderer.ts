import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

/** The newest modification time under a folder (or of a file), ms. */
function newestMs(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMs(join(path, name))));
}

/**
 * Playwright global setup: the browser tests drive the built renderer that `caplab serve` serves,
 * so build it (`electron-vite build`) when it is missing or older than its sources.
 */
export default function buildRenderer(): void {
  const built = join(root, 'out', 'renderer', 'index.html');
  const sourcesMs = Math.max(newestMs(join(root, 'renderer')), newestMs(join(root, 'src')), newestMs(join(root, 'electron.vite.config.ts')));
  if (existsSync(built) && statSync(built).mtimeMs >= sourcesMs) return;
  process.stdout.write('e2e: building the renderer (npx electron-vite build)…\n');
  execFileSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
}
