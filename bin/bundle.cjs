// Runs a TypeScript entry point of a clone (the CLI, the benchmarks) as one esbuild bundle, with
// every worker it starts bundled on its own (bin/modulePath.cjs): plain JavaScript, no loader.
//
// The bundles are built on demand into .cache/bundle/ (never committed) and rebuilt whenever one
// of their inputs changes, so `npx caplab` works right after `npm install` with nothing else typed.
// A bundle also turns cross-module calls in the simulator's hot path into plain local calls.
// An installed copy has no sources: bin/caplab.cjs runs its built CLI (out/main/cli.js) instead.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { modulePathPlugin } = require('./modulePath.cjs');

const root = path.resolve(__dirname, '..');
/** Bump when the way bundles are built changes, so old cached bundles are rebuilt. */
const bundleFormat = 3;

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
    for (const file of manifest.outputs ?? []) if (!fs.existsSync(path.join(root, file))) return false;
    return true;
  } catch {
    return false; // an input was removed
  }
}

/**
 * Keeps each module's own `__dirname`, `__filename` and `import.meta.url`: a bundle lives in
 * .cache/bundle/, but code such as the corpus path of a benchmark is written relative to its
 * source file.
 */
const sourceLocationPlugin = {
  name: 'source-location',
  setup(build) {
    build.onLoad({ filter: /\.ts$/, namespace: 'file' }, (args) => {
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
  const workerInputs = new Set();
  const workerOutputs = new Set();
  const outDir = path.join(path.dirname(outfile), 'workers');
  const result = await esbuild.build({
    entryPoints: [path.join(root, entry)],
    absWorkingDir: root,
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
    plugins: [sourceLocationPlugin, modulePathPlugin({ outDir, plugins: [sourceLocationPlugin], inputs: workerInputs, outputs: workerOutputs })],
  });
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const inputs = {};
  const sources = [...Object.keys(result.metafile.inputs).map((file) => path.resolve(root, file.replace(/^[a-z-]+:/, ''))), ...workerInputs];
  for (const absolute of sources) {
    if (!absolute.includes(`${path.sep}node_modules${path.sep}`) && fs.existsSync(absolute)) inputs[path.relative(root, absolute)] = fingerprint(absolute);
  }
  const outputs = [...workerOutputs].map((file) => path.relative(root, file));
  // Written under a private name and renamed, so concurrent runs never read half a bundle.
  const suffix = `.${process.pid}.tmp`;
  for (const output of result.outputFiles) {
    fs.writeFileSync(output.path + suffix, output.contents);
    fs.renameSync(output.path + suffix, output.path);
  }
  fs.writeFileSync(manifestPath + suffix, JSON.stringify({ format: bundleFormat, esbuild: esbuild.version, inputs, outputs }));
  fs.renameSync(manifestPath + suffix, manifestPath);
}

/**
 * Runs `entry` (a path relative to the repository root) from its bundle, building it first if
 * needed. Returns false, having run nothing, when esbuild (a devDependency) is not installed.
 */
async function runBundled(entry, name) {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return false;
  }
  const outfile = path.join(root, '.cache', 'bundle', `${name}.cjs`);
  const manifestPath = `${outfile}.inputs.json`;
  if (!isFresh(readManifest(manifestPath), esbuild.version)) await build(esbuild, entry, outfile, manifestPath);
  // Reading a bundle's source map costs a tenth of a short run's start-up: only when asked
  // (CAPLAB_SOURCE_MAPS=1, or node --enable-source-maps), stack traces point at the TypeScript.
  if (process.env.CAPLAB_SOURCE_MAPS === '1') process.setSourceMapsEnabled(true);
  require(outfile);
  return true;
}

module.exports = { root, runBundled };
