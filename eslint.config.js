import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/*
 * Process boundaries (issue #7 "Structure"). Each process folder is one deployable process; what two
 * processes share lives in shared/. A cross-process import would make one process load, and silently depend
 * on, another one's code, so it fails the lint. Type-only imports count too: they couple two folders all
 * the same.
 *
 * The rule resolves every import to a file (the TypeScript resolver maps `./x.js` to `./x.ts`) and checks
 * where that file lies. It skips an import it cannot resolve, so `import-x/no-unresolved` runs beside it: an
 * import that no longer resolves fails loudly instead of slipping past the boundary check.
 */
const PROCESSES = ['orchestrator', 'gateway', 'feed', 'jobs', 'dashboard', 'workers'];
const LAUNCHER = 'launcher';
const NON_PRODUCT = ['test', 'bench', 'tools'];
const ROOT = import.meta.dirname;

/** What `shared/sdk` may import besides itself: the protocol and what its messages are built from. */
const SDK_MAY_IMPORT = ['sdk', 'protocol', 'backoff.ts', 'scan/lists.ts', 'scan/sessions.ts'];

/** Zones that hold for every file in a process folder or in shared/, test files included. */
const boundaryZones = [
  ...PROCESSES.map((process) => ({
    target: `./${process}`,
    from: [...PROCESSES.filter((other) => other !== process), LAUNCHER].map((folder) => `./${folder}`),
    message: `${process}/ is one process: it imports only its own files and shared/.`,
  })),
  {
    target: './shared',
    from: [...PROCESSES, LAUNCHER].map((folder) => `./${folder}`),
    message: 'shared/ is a library of every process: it never imports a process folder or the launcher.',
  },
  {
    target: './shared/sdk',
    from: './shared',
    except: SDK_MAY_IMPORT.map((path) => `./${path}`),
    message:
      'The client SDK ships to browsers and other programs: besides itself it imports only ' +
      'shared/protocol, shared/backoff.ts and the scan lists and sessions the protocol is built from.',
  },
];

/** Product code (all but tests and the test, bench and tools folders) never loads test or tool code. */
const productZones = [
  ...boundaryZones,
  {
    target: ['./shared', `./${LAUNCHER}`, ...PROCESSES.map((process) => `./${process}`)],
    from: NON_PRODUCT.map((folder) => `./${folder}`),
    message: 'Product code never imports test/, bench/ or tools/.',
  },
];

const boundaryRule = (zones) => ({
  'import-x/no-restricted-paths': ['error', { basePath: ROOT, zones }],
});

export default defineConfig(
  { ignores: ['dist/**', '.bench-build/**', 'node_modules/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // vitest.config.ts sits outside tsconfig.json's folders; it gets the default project.
        projectService: { allowDefaultProject: ['vitest.config.ts', 'vitest.faults.config.ts'] },
        tsconfigRootDir: ROOT,
      },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${ROOT}/tsconfig.json` })],
    },
    rules: { 'import-x/no-unresolved': 'error' },
  },
  {
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', 'test/**', 'bench/**', 'tools/**'],
    rules: boundaryRule(productZones),
  },
  {
    // Tests keep to their folder's process boundary but may use the test and bench helpers.
    files: ['**/*.test.ts'],
    rules: boundaryRule(boundaryZones),
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // Command-line tools and benchmarks print their results for a person to read.
    files: ['tools/**', 'bench/**', 'orchestrator/*-cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
