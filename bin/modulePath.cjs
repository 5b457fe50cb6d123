// `import path from './x.worker?modulePath'` outside electron-vite: the imported file is bundled
// on its own with esbuild (one CommonJS file, packages left to node_modules) and the import gives
// that file's absolute path, which `new Worker(path)` or piscina loads as plain JavaScript.
//
// electron-vite does this itself for the app and the packed CLI (out/main). This file does it for
// the two places that run the TypeScript sources without electron-vite: vitest (the Vite plugin
// below, used by vitest.config.mts) and the CLI of a clone (the esbuild plugin, used by bundle.cjs).
// So a worker is never started from a `.ts` file through a loader, in tests as in the app.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const suffix = '?modulePath';
/** Cached bundles of an entry not written for this long are removed when the entry is rebuilt. */
const staleMs = 24 * 3600 * 1000;

/** Writes `contents` to `file` under a private name, then renames: a concurrent reader never sees half a file. */
function writeAtomically(file, contents) {
  const temporary = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}

/** Removes earlier bundles of the same entry (other hashes) that nobody has written for a day. */
function pruneOlder(outDir, stem, keep) {
  for (const name of fs.readdirSync(outDir)) {
    if (!name.startsWith(`${stem}-`) || name === keep || name === `${keep}.map`) continue;
    const file = path.join(outDir, name);
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > staleMs) fs.rmSync(file, { force: true });
    } catch {
      // another process removed it first
    }
  }
}

/**
 * Bundles `entry` (an absolute path) into `outDir` as `<name>-<hash>.cjs`, the hash of its
 * contents, so concurrent runs and changed sources never overwrite a file a worker is reading.
 * Returns the file and every source file it was built from (for freshness checks and watching).
 * `plugins` are added to the build (a nested `?modulePath` import is bundled the same way).
 */
async function bundleModule(esbuild, entry, outDir, plugins = [], building = new Set()) {
  if (building.has(entry)) throw new Error(`${entry} imports itself through ?modulePath`);
  const nestedInputs = new Set();
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: 'external',
    metafile: true,
    write: false,
    outdir: outDir,
    logLevel: 'silent',
    plugins: [...plugins, modulePathPlugin({ outDir, plugins, building: new Set([...building, entry]), inputs: nestedInputs })],
  });
  const code = result.outputFiles.find((file) => file.path.endsWith('.js'));
  const map = result.outputFiles.find((file) => file.path.endsWith('.js.map'));
  const stem = path.basename(entry).replace(/\.[cm]?[jt]s$/, '');
  const hash = crypto.createHash('sha256').update(code.contents).digest('hex').slice(0, 12);
  const name = `${stem}-${hash}.cjs`;
  const file = path.join(outDir, name);
  fs.mkdirSync(outDir, { recursive: true });
  if (!fs.existsSync(file)) {
    const text = code.text.replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=${name}.map\n`);
    if (map !== undefined) writeAtomically(`${file}.map`, map.contents);
    writeAtomically(file, text);
    pruneOlder(outDir, stem, name);
  }
  const inputs = new Set(nestedInputs);
  for (const input of Object.keys(result.metafile.inputs)) {
    const absolute = path.resolve(input.replace(/^[a-z-]+:/, ''));
    if (!absolute.includes(`${path.sep}node_modules${path.sep}`)) inputs.add(absolute);
  }
  return { file, inputs: [...inputs] };
}

/**
 * The esbuild plugin: `?modulePath` imports become the path of their own bundle in `outDir`.
 * Every source file of those bundles is added to `inputs` and every bundle to `outputs` (Sets),
 * so the caller can tell when its own bundle is stale.
 */
function modulePathPlugin({ outDir, plugins = [], building = new Set(), inputs = new Set(), outputs = new Set() }) {
  return {
    name: 'caplab-module-path',
    setup(build) {
      build.onResolve({ filter: /\?modulePath$/ }, async (args) => {
        const resolved = await build.resolve(args.path.slice(0, -suffix.length), { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, namespace: 'caplab-module-path' };
      });
      build.onLoad({ filter: /.*/, namespace: 'caplab-module-path' }, async (args) => {
        const bundled = await bundleModule(build.esbuild, args.path, outDir, plugins, building);
        for (const input of bundled.inputs) inputs.add(input);
        outputs.add(bundled.file);
        return { contents: `export default ${JSON.stringify(bundled.file)};`, loader: 'js', watchFiles: bundled.inputs };
      });
    },
  };
}

/** The Vite plugin (vitest): the same bundles, built once per vitest run and rebuilt when a source changes. */
function modulePathVitePlugin({ outDir }) {
  const esbuild = require('esbuild');
  const built = new Map();
  return {
    name: 'caplab-module-path',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!source.endsWith(suffix)) return null;
      const resolved = await this.resolve(source.slice(0, -suffix.length), importer, { skipSelf: true });
      return resolved === null ? null : `${resolved.id}${suffix}`;
    },
    async load(id) {
      if (!id.endsWith(suffix)) return null;
      const entry = id.slice(0, -suffix.length);
      let bundled = built.get(entry);
      if (bundled === undefined) {
        bundled = await bundleModule(esbuild, entry, outDir);
        built.set(entry, bundled);
      }
      for (const input of bundled.inputs) this.addWatchFile(input);
      return `export default ${JSON.stringify(bundled.file)};`;
    },
    watchChange() {
      built.clear();
    },
  };
}

module.exports = { bundleModule, modulePathPlugin, modulePathVitePlugin };
