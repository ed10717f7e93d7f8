// Type-aware lint: floating promises and non-exhaustive switches are bugs here; the dependency direction
// contracts → libs → services is enforced by no-restricted-imports.
import { builtinRules } from 'eslint/use-at-your-own-risk';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** ESLint's own recommended rules (what `@eslint/js` recommends: the core rules marked recommended), all errors. */
const jsRecommended = Object.fromEntries([...builtinRules].filter(([, rule]) => rule.meta?.docs?.recommended === true).map(([name]) => [name, 'error']));
/** Alert text is attacker-written: the console builds elements with textContent only (dom.js) and never parses HTML. */
const HTML_SINK = 'Alert text is attacker-written: build elements with dom.js (textContent), never parse HTML.';
const noHtmlSinks = [
  ...['innerHTML', 'outerHTML', 'insertAdjacentHTML'].map((property) => ({ property, message: HTML_SINK })),
  ...['write', 'writeln'].map((property) => ({ object: 'document', property, message: HTML_SINK })),
];

/** The browser's globals, for the console's modules. */
const browserGlobals = { ...globals.browser, ...globals.es2021 };

const services = ['ingestion', 'enrichment', 'triage', 'decision', 'notification', 'ticketing', 'containment', 'api', 'reporting'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.tsbuild/**', 'data/**', '**/*.js', '!services/api/console/**/*.js', 'docs/**'] },
  ...tseslint.configs.recommended,
  {
    // The web console: plain ES modules run by the browser (no build step), so plain JavaScript rules and browser globals.
    files: ['services/api/console/**/*.js'],
    languageOptions: { sourceType: 'module', ecmaVersion: 2024, globals: browserGlobals },
    rules: {
      ...jsRecommended,
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-undef': 'error',
      eqeqeq: 'error',
      'no-implicit-globals': 'error',
      'no-restricted-properties': ['error', ...noHtmlSinks],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use a union or an as-const object.' }],
    },
  },
  {
    files: ['contracts/**/*.ts', 'libs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: services.map((s) => `@soc/${s}`), message: 'contracts and libs never depend on services.' }] }],
    },
  },
  ...services.map((s) => ({
    files: [`services/${s}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: services.filter((o) => o !== s).map((o) => `@soc/${o}`), message: 'Services never import each other; publish an event.' },
            { group: ['@soc/*/src/*', '../../*/src/*'], message: 'No deep imports: use the package index.' },
          ],
        },
      ],
    },
  })),
);
