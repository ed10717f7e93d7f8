// Type-aware lint: floating promises and non-exhaustive switches are bugs here; the dependency direction
// contracts → libs → services is enforced by no-restricted-imports.
import tseslint from 'typescript-eslint';

const services = ['ingestion', 'enrichment', 'triage', 'decision', 'notification', 'ticketing', 'containment', 'api', 'reporting'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.tsbuild/**', 'data/**', '**/*.js', 'docs/**'] },
  ...tseslint.configs.recommended,
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
