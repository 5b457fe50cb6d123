// Whether out/ (what `electron-vite build` makes: the app's main and preload, the renderer, the
// packed CLI with its workers) is older than its sources, and building it when it is. Used by
// `npm start` in browser mode and by the tests that load the built output.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const sources = ['src', 'main', 'cli', 'workers', 'preload', 'renderer', 'electron.vite.config.ts', 'package.json'];
const outputs = ['out/main/index.js', 'out/main/cli.js', 'out/preload/index.js', 'out/renderer/index.html'];

/** The newest modification time under a folder (or of a file), ms; 0 when absent. */
function newestMs(file) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(file)) newest = Math.max(newest, newestMs(path.join(file, name)));
  return newest;
}

/** True when every output exists and none is older than any source. */
function builtIsFresh() {
  const built = outputs.map((file) => newestMs(path.join(root, file)));
  if (built.some((ms) => ms === 0)) return false;
  return Math.min(...built) >= Math.max(...sources.map((file) => newestMs(path.join(root, file))));
}

/** electron-vite's command (its package exports do not name its bin), or null when not installed. */
function electronViteCli() {
  const cli = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  return fs.existsSync(cli) ? cli : null;
}

/**
 * Runs `electron-vite build` when out/ is stale. `quiet`: its output is shown only if it fails.
 * Returns null on success, else the build's output (or why it could not run).
 */
function buildIfStale({ quiet = false } = {}) {
  if (builtIsFresh()) return null;
  const cli = electronViteCli();
  if (cli === null) return 'electron-vite is not installed (run `npm install`)';
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (result.status === 0) return null;
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() || `electron-vite build exited with ${result.status ?? result.signal}`;
}

module.exports = { builtIsFresh, buildIfStale, electronViteCli, root };
