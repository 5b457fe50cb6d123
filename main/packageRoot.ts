import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder of caplab's package.json, found upward from this module: the project root when run
 * from source or from a bundle in .cache/, the package folder of an installed copy (its code is
 * in out/main/ or out/main/chunks/), `app.asar` in the packaged app. What ships beside the code
 * (presets/, out/renderer/, README.md) is found from here, wherever the bundler put this module.
 */
export const packageRoot: string = (() => {
  for (let folder = __dirname; ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'caplab') return folder;
      } catch {
        // not a package.json we can read: keep looking upward
      }
    }
    if (dirname(folder) === folder) throw new Error(`caplab cannot find its own package.json above ${__dirname}: the installation is incomplete; reinstall it`);
  }
})();

/** caplab's version, from its package.json (`caplab --version`, the results files' header). */
export function caplabVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
