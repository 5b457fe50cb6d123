// Lint rules that keep the layers of ARCHITECTURE §1 honest: `src/` is pure, imports point one way.
import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

const outside = (...folders) => folders.flatMap((folder) => [`**/${folder}`, `**/${folder}/**`]);

/**
 * A renderer import of src/ anywhere but src/contract/ (`../../src/metrics/series`, `../src/history`),
 * including one that climbs back out of it (`../src/contract/../checker/x`).
 */
export const rendererIntoEngine = String.raw`(^|/)src(/(?!contract(/|$))|$)|(^|/)src/contract/.*\.\.`;

/** Imports a layer may not make, with the reason shown in the lint message. */
function forbid(patterns, message) {
  return ['error', { patterns: [{ group: patterns, message }] }];
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', '.cache/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(
        ['node:*', 'electron', 'electron/*', 'vue', 'pinia', 'echarts', 'ws', 'piscina', ...outside('main', 'preload', 'workers', 'renderer', 'cli', 'bench', 'test')],
        'src/ is the pure engine: no Node, Electron, Vue or DOM, and nothing from the outer layers (ARCHITECTURE §1).',
      ),
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'performance', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'process', 'require', 'Buffer', 'console', 'Date', 'fetch', 'localStorage'].map(
          (name) => ({ name, message: `src/ is pure: ${name} must be handed in by the host (ARCHITECTURE §2).` }),
        ),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'src/ draws randomness from a seeded Prng stream (src/base/prng.ts).' },
      ],
    },
  },
  {
    files: ['workers/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(['electron', 'electron/*', 'vue', ...outside('main', 'preload', 'renderer', 'cli')], 'workers/ host src/ only (ARCHITECTURE §1).'),
    },
  },
  {
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(
        ['vue', 'electron', 'electron/*', ...outside('renderer', 'cli', 'preload')],
        'main/ serves the renderer through the contract and imports src/ and workers/ only; `electron` only in main/electron/ (the CLI and the tests load the rest in plain Node, where `require("electron")` tries to download a binary).',
      ),
    },
  },
  {
    // The Electron glue: with preload/, the only place that imports `electron`.
    files: ['main/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(['vue', ...outside('renderer', 'cli', 'preload')], 'main/ serves the renderer through the contract; it imports src/ and workers/ only.'),
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '*.ts', '*.mts'],
    rules: {
      // The package itself, not the Electron-free modules of main/electron/ (their tests import them).
      'no-restricted-imports': ['error', { patterns: [{ regex: '^electron(/.*)?$', message: 'tests, benchmarks and configs run in plain Node: `electron` is imported only by main/electron/ and preload/ (test/install/ loads the built app with a stub instead).' }] }],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(['node:*', ...outside('main', 'workers', 'renderer', 'cli', ...['base', 'protocol', 'kv', 'network', 'sim', 'workload', 'history', 'checker', 'metrics', 'experiment'].map((folder) => `src/${folder}`))], 'preload/ imports the contract only.'),
    },
  },
  // Single-file components: the Vue style guide's rules (multi-word names and the rest), TypeScript in <script>.
  ...pluginVue.configs['flat/recommended'].map((config) => ({ ...config, files: ['renderer/**/*.vue'] })),
  {
    files: ['renderer/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
    rules: {
      // vue-tsc checks names; core no-undef does not know the DOM's types.
      'no-undef': 'off',
      // Layout is left to the author; these rules only reflow markup.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': ['error', { html: { void: 'always', normal: 'never', component: 'always' } }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    rules: {
      // Every path into src/ but src/contract/ (engine.ts re-exports what the screens use), and the outer layers.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'electron', 'electron/*', ...outside('main', 'workers', 'cli', 'preload')], message: 'renderer/ runs sandboxed in the browser: no Node, no Electron, nothing of main/, workers/, cli/ or preload/; it calls the lab through window.lab (ARCHITECTURE §1).' },
            { regex: rendererIntoEngine, message: 'renderer/ imports src/ only through src/contract/ (ARCHITECTURE §1): re-export what it needs from src/contract/engine.ts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(['electron', 'electron/*', 'vue', ...outside('renderer', 'preload')], 'cli/ runs in plain Node: no Electron, no renderer.'),
    },
  },
  {
    files: ['bin/**/*.cjs', '*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
