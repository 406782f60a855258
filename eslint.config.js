/**
 * `npm run lint`: the layering of src/ (README, "Architecture"), no import cycles, and
 * typescript-eslint's recommended rules.
 *
 * Layers and what each may import besides itself (runtime imports; `import type` where said):
 *   src/main.tsx   -> src/ui
 *   src/ui         -> src/workers/bridge.ts, src/workers/api.ts, src/errors.ts
 *                     (api.ts: its types, and the shared limits and recipe validator it re-exports
 *                     from the pure leaf modules src/model/limits.ts and src/model/recipe.ts; every
 *                     other import of api.ts is type-only, so the page bundles no engine code)
 *   src/workers    -> src/model, src/gpu, src/reference (the CPU fallback decoder), src/errors.ts
 *   src/node       -> src/model, src/kernels, src/gpu, src/errors.ts   (the Node entry: CLI, Dawn device)
 *   src/model      -> src/kernels, src/gpu, src/errors.ts
 *   src/kernels    -> src/gpu, src/errors.ts
 *   src/gpu        -> src/errors.ts
 *   src/reference  -> src/errors.ts, the CPU-only modules of src/model; src/kernels for types only
 *                     (the float64 references import nothing of the GPU)
 * Everywhere under src/: React, react-dom, zustand and uPlot only in src/ui and src/main.tsx, and
 * nothing from bench/ (benchmarks import the product, never the reverse). Tests (*.test.ts) may
 * also import src/reference and test/ helpers.
 *
 * The rule is ESLint's no-restricted-imports, which matches the import as written: every path
 * between the layers is relative ('../model/gpt', '../../workers/api', './ui/App'), so a layer is
 * named by its directory after the leading './' and '../' steps (no layer's name is also the name
 * of a folder or module inside another layer). Cycles: import-x/no-cycle, which follows runtime
 * imports (type-only imports are erased and cannot form a cycle at run time). React components and
 * hooks: eslint-plugin-react-hooks' recommended rules (hooks called unconditionally, effect
 * dependencies complete, no state set during render).
 */
import { readFileSync } from 'node:fs';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * What git ignores (build output, test reports, runs) is not linted: .gitignore's patterns as
 * ESLint globs (a pattern without an inner '/' matches at any depth, as in git).
 */
function gitIgnored() {
  return readFileSync(new URL('.gitignore', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'))
    .map((line) => {
      const body = line.replace(/\/$/, '');
      const glob = body.startsWith('/') ? body.slice(1) : body.includes('/') ? body : `**/${body}`;
      return line.endsWith('/') ? `${glob}/` : glob;
    });
}

/** Every directory layer under src/ (src/errors.ts and src/main.tsx are single files). */
const LAYERS = ['ui', 'workers', 'node', 'model', 'kernels', 'gpu', 'reference'];

/** src/model modules that touch the GPU (everything else there is CPU-only and serves src/reference too). */
const GPU_MODEL_MODULES = ['gpt', 'trainer', 'generate', 'ops', 'evaluate', 'trace'];

const UI_LIBRARIES = {
  regex: '^(react|react-dom|react-i18next|i18next|zustand|uplot)(/|$)',
  message: 'Only src/ui (and src/main.tsx) use React, i18next, zustand and uPlot: the engine never imports the UI.',
};
const NO_BENCH = {
  regex: '^(\\.\\./)+bench(/|$)',
  message: 'The product never imports the benchmarks (bench/ imports src/, not the reverse).',
};

/**
 * A restriction on imports of `path` (a regex: a layer's directory, or a module in it) reached
 * by relative steps: '../' from inside a layer, './' from src/main.tsx and src/errors.ts.
 */
function layer(path, message, extra = {}) {
  return { regex: `^(\\.{1,2}/)+${path}`, message, ...extra };
}

/** The `name` directory, or any module in it. */
const dir = (name) => `${name}(/|$)`;

/**
 * The no-restricted-imports patterns for the files of `from`: its forbidden layers, the UI
 * libraries unless `ui`, and bench/.
 */
function boundaries(from, allowed, { ui = false, extra = [] } = {}) {
  const who = from === 'main' ? 'src/main.tsx' : from === 'errors' ? 'src/errors.ts' : `src/${from}`;
  const may = [...allowed.map((l) => `src/${l}`), 'src/errors.ts'].filter((l) => l !== who).join(', ');
  const rule = `${who} may import ${may} only (the layering in eslint.config.js)`;
  const patterns = LAYERS.filter((l) => l !== from && !allowed.includes(l)).map((l) => layer(dir(l), `${rule}, not src/${l}.`));
  return ['error', { patterns: [...patterns, ...extra, ...(ui ? [] : [UI_LIBRARIES]), NO_BENCH] }];
}

const SRC_TESTS = ['src/**/*.test.ts', 'src/**/*.test.tsx'];

/** The src/model modules the worker API re-exports to the page: pure, importing at run time only each other and src/errors.ts. */
const API_PURE_MODULES = ['limits', 'recipe', 'sampling-cut'];
const API_PURE_MESSAGE = `src/workers/api.ts reaches the page: at run time it re-exports only src/model/{${API_PURE_MODULES.join(',')}}.ts, which import nothing else but src/errors.ts (\`import type\` for the rest).`;

export default tseslint.config(
  { ignores: [...gitIgnored(), 'public/'] },
  ...tseslint.configs.recommended,
  { files: ['src/ui/**/*.{ts,tsx}', 'src/main.tsx'], ...reactHooks.configs.flat.recommended },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
    },
    // Leftover `eslint-disable` comments are errors too.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // `_`-names are unused on purpose; `const { a, ...rest } = x` drops `a` from `rest`.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/main.tsx'],
    rules: { 'no-restricted-imports': boundaries('main', ['ui'], { ui: true }) },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': boundaries('ui', ['workers'], {
        ui: true,
        extra: [
          // Of src/workers the UI may use the bridge at run time and the worker API's types.
          layer('workers/(?!(bridge|api)$)', 'src/ui reaches the engine through src/workers/bridge.ts and the types of src/workers/api.ts only.'),
        ],
      }),
    },
  },
  { files: ['src/workers/**/*.ts'], rules: { 'no-restricted-imports': boundaries('workers', ['model', 'gpu', 'reference']) } },
  {
    // The page imports api.ts at run time: besides types, it may re-export only the pure leaf modules.
    files: ['src/workers/api.ts'],
    rules: {
      'no-restricted-imports': boundaries('workers', ['model', 'gpu'], {
        extra: [
          layer(`(model/(?!(${API_PURE_MODULES.join('|')})$)|gpu/|reference/)`, API_PURE_MESSAGE, { allowTypeImports: true }),
          { regex: '^\\./', message: API_PURE_MESSAGE, allowTypeImports: true },
        ],
      }),
    },
  },
  { files: ['src/node/**/*.ts'], rules: { 'no-restricted-imports': boundaries('node', ['model', 'kernels', 'gpu']) } },
  { files: ['src/model/**/*.ts'], rules: { 'no-restricted-imports': boundaries('model', ['kernels', 'gpu']) } },
  // After the model rule, which it narrows for these files (the later block's options win).
  {
    files: API_PURE_MODULES.map((m) => `src/model/${m}.ts`),
    rules: {
      'no-restricted-imports': boundaries('model', [], {
        extra: [{ regex: `^\\./(?!(${API_PURE_MODULES.join('|')})$)`, message: API_PURE_MESSAGE, allowTypeImports: true }],
      }),
    },
  },
  { files: ['src/kernels/**/*.ts'], rules: { 'no-restricted-imports': boundaries('kernels', ['gpu']) } },
  { files: ['src/gpu/**/*.ts'], rules: { 'no-restricted-imports': boundaries('gpu', []) } },
  {
    files: ['src/reference/**/*.ts'],
    rules: {
      'no-restricted-imports': boundaries('reference', ['model', 'kernels'], {
        extra: [
          layer(dir('kernels'), 'src/reference imports nothing of the GPU: from src/kernels, types only (`import type`).', { allowTypeImports: true }),
          layer(`model/(${GPU_MODEL_MODULES.join('|')})$`, 'src/reference imports nothing of the GPU: only the CPU-only modules of src/model.'),
        ],
      }),
    },
  },
  {
    files: ['src/errors.ts'],
    rules: { 'no-restricted-imports': boundaries('errors', []) },
  },
  // Tests specify a layer against the float64 references and the test helpers: only the UI and bench rules hold.
  {
    files: SRC_TESTS,
    rules: { 'no-restricted-imports': ['error', { patterns: [layer(dir('ui'), 'Engine tests do not import the UI.'), UI_LIBRARIES, NO_BENCH] }] },
  },
  {
    files: ['src/ui/**/*.test.{ts,tsx}'],
    rules: { 'no-restricted-imports': boundaries('ui', ['workers'], { ui: true }) },
  },
);
