// Runs a TypeScript entry point as one esbuild bundle instead of file by file through tsx.
//
// Why: tsx compiles each module to CommonJS with getter-based exports, so every cross-module call
// in the simulator's hot path (branded ids, asserts, the log) goes through a property getter; a
// bundle turns those into plain local calls and the simulator runs markedly faster. The bundle is
// built on demand into .cache/bundle/ (never committed) and rebuilt whenever one of its inputs
// changes, so `npx caplab` works right after `npm ci` with nothing else typed. When esbuild is
// not available or the cache cannot be written (or CAPLAB_NO_BUNDLE=1), the entry runs through
// tsx as before.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.resolve(__dirname, '..');
/** Bump when the way bundles are built changes, so old cached bundles are rebuilt. */
const bundleFormat = 1;

function loadEsbuild() {
  try {
    return require('esbuild');
  } catch {
    // esbuild arrives with tsx (a dependency); resolve it from there when it is not hoisted.
    return require(require.resolve('esbuild', { paths: [path.dirname(require.resolve('tsx/package.json'))] }));
  }
}

/** The inputs a bundle was built from, with their sizes and modification times. */
function readManifest(manifestPath) {
  try {
    return JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch {
    return null;
  }
}

function fingerprint(file) {
  const stat = fs.statSync(file);
  return `${stat.size}:${stat.mtimeMs}`;
}

function isFresh(manifest, esbuildVersion) {
  if (manifest === null || manifest.format !== bundleFormat || manifest.esbuild !== esbuildVersion) return false;
  try {
    for (const [file, print] of Object.entries(manifest.inputs)) if (fingerprint(path.join(root, file)) !== print) return false;
    return true;
  } catch {
    return false; // an input was removed
  }
}

/**
 * Keeps each module's own `__dirname`, `__filename` and `import.meta.url`: a bundle lives in
 * .cache/bundle/, but code such as the presets folder or the corpus path is written relative to
 * its source file.
 */
const sourceLocationPlugin = {
  name: 'source-location',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = fs.readFileSync(args.path, 'utf8');
      if (!/__dirname|__filename|import\.meta\.url/.test(text)) return { contents: text, loader: 'ts' };
      const header =
        `const __dirname = ${JSON.stringify(path.dirname(args.path))}; ` +
        `const __filename = ${JSON.stringify(args.path)}; ` +
        `const __importMetaUrl = ${JSON.stringify(pathToFileURL(args.path).href)};`;
      // The header shares the first line, so line numbers in stack traces stay those of the source.
      return { contents: header + text.replace(/import\.meta\.url/g, '__importMetaUrl'), loader: 'ts' };
    });
  },
};

async function build(esbuild, entry, outfile, manifestPath) {
  const result = await esbuild.build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    write: false,
    outfile,
    logLevel: 'silent',
    plugins: [sourceLocationPlugin],
  });
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    const absolute = path.resolve(root, file);
    if (!absolute.includes(`${path.sep}node_modules${path.sep}`)) inputs[path.relative(root, absolute)] = fingerprint(absolute);
  }
  // Written under a private name and renamed, so concurrent runs never read half a bundle.
  const suffix = `.${process.pid}.tmp`;
  for (const output of result.outputFiles) {
    fs.writeFileSync(output.path + suffix, output.contents);
    fs.renameSync(output.path + suffix, output.path);
  }
  fs.writeFileSync(manifestPath + suffix, JSON.stringify({ format: bundleFormat, esbuild: esbuild.version, inputs }));
  fs.renameSync(manifestPath + suffix, manifestPath);
}

/** Runs `entry` (a path relative to the repository root) from its bundle, building it first if needed. */
async function runBundled(entry, name) {
  const outfile = path.join(root, '.cache', 'bundle', `${name}.cjs`);
  const manifestPath = `${outfile}.inputs.json`;
  let bundled = process.env.CAPLAB_NO_BUNDLE !== '1';
  if (bundled) {
    try {
      const esbuild = loadEsbuild();
      if (!isFresh(readManifest(manifestPath), esbuild.version)) await build(esbuild, entry, outfile, manifestPath);
    } catch (error) {
      if (process.env.CAPLAB_BUNDLE_DEBUG) process.stderr.write(`bundle ${name}: ${error.stack ?? error}\n`);
      bundled = false;
    }
  }
  if (!bundled) {
    require('tsx/cjs');
    require(path.join(root, entry));
    return;
  }
  process.setSourceMapsEnabled(true);
  require(outfile);
}

module.exports = { runBundled };
