// @ts-check
import js from '@eslint/js';
import lit from 'eslint-plugin-lit';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scratch/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // With noUncheckedIndexedAccess, `list[i]!` after a bounds check is the honest idiom.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Template literals of numbers and booleans read well in log lines and messages.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `void promise` marks a deliberate fire-and-forget.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Lock maps are plain records that mirror locks.json (key order, JSON): removing a key is the operation.
      '@typescript-eslint/no-dynamic-delete': 'off',
    },
  },
  { files: ['web/**/*.ts'], ...lit.configs['flat/recommended'] },
  // lit-html calls a template's event listeners with the element as `this`.
  { files: ['web/**/*.ts'], rules: { '@typescript-eslint/unbound-method': 'off' } },
  {
    // Tests read untyped JSON answers on purpose (that is what they check).
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Output collected from child processes (`out += chunk`), and cleanup of what a failed setup left unset.
      '@typescript-eslint/restrict-plus-operands': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
);
