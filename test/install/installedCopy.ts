// caplab as a user installs it: `npm pack`, then `npm install -g ./caplab-*.tgz --prefix DIR`
// (production dependencies only, from the npm registry), in a folder outside the repository so
// nothing resolves to the repository's own node_modules, sources or devDependencies. Shared by
// installed.test.ts (vitest) and test/e2e/installed.e2e.ts (Playwright): one install per packed
// tarball, reused while the tarball is the same.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repositoryRoot = resolve(__dirname, '..', '..');
/** Installs of older tarballs not used for this long are removed. */
const staleMs = 24 * 3600 * 1000;

export interface InstalledCopy {
  /** The `--prefix` folder. */
  readonly prefix: string;
  /** `<prefix>/bin/caplab`, the command npm linked. */
  readonly bin: string;
  /** The installed package's folder, `<prefix>/lib/node_modules/caplab`. */
  readonly packageDir: string;
  /** The files the tarball holds, relative to the package folder. */
  readonly packedFiles: readonly string[];
}

/** The environment for npm and the installed CLI: none of the `npm test` run's own npm settings. */
export function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^npm_/i.test(name) && name !== 'INIT_CWD') env[name] = value;
  return { ...env, ...extra };
}

function npm(args: string[], cwd: string): string {
  const result = spawnSync('npm', args, { cwd, env: plainEnv({ npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' }), encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function pruneOldInstalls(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('caplab-installed-') || join(tmpdir(), name) === keep) continue;
    const folder = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(folder).mtimeMs > staleMs) rmSync(folder, { recursive: true, force: true });
    } catch {
      // removed by another run
    }
  }
}

/**
 * Packs the repository as it is built (out/ must be fresh: the tests' global setup builds it;
 * `--ignore-scripts` so packing does not rebuild out/ under other running tests) and installs
 * the tarball, or returns the install of the same tarball made before.
 */
export function installedCopy(): InstalledCopy {
  const packFolder = mkdtempSync(join(tmpdir(), 'caplab-pack-'));
  try {
    const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', packFolder], repositoryRoot)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const tarball = join(packFolder, packed[0]!.filename);
    const digest = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16);
    const prefix = join(tmpdir(), `caplab-installed-${digest}`);
    const copy: InstalledCopy = { prefix, bin: join(prefix, 'bin', 'caplab'), packageDir: join(prefix, 'lib', 'node_modules', 'caplab'), packedFiles: packed[0]!.files.map((file) => file.path) };
    if (existsSync(join(prefix, '.complete'))) return copy;
    const partial = `${prefix}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    rmSync(prefix, { recursive: true, force: true }); // an install that stopped half-way
    // From the pack folder, so the repository's .npmrc and node_modules play no part.
    npm(['install', '--global', tarball, '--prefix', partial, '--omit=dev', '--no-audit', '--no-fund'], packFolder);
    writeFileSync(join(partial, '.complete'), `${packed[0]!.filename}\n`);
    try {
      renameSync(partial, prefix);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another run installed the same tarball first
    }
    pruneOldInstalls(prefix);
    return copy;
  } finally {
    rmSync(packFolder, { recursive: true, force: true });
  }
}

/** Every file under `folder`, relative to it, skipping `skip` folders by name. */
export function filesUnder(folder: string, skip: readonly string[] = []): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(folder, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skip.includes(entry.name)) walk(path);
      } else found.push(path);
    }
  };
  walk('');
  return found;
}
