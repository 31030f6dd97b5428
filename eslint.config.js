import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  prettier,
  ...svelte.configs.prettier,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Links are plain paths on a static site without a base path.
      'svelte/no-navigation-without-resolve': 'off'
    }
  },
  {
    // Starters are unfinished on purpose: a parameter the learner has yet to use is not a defect.
    files: ['lessons/*/starter/**'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig }
    }
  },
  {
    ignores: [
      'build/',
      'build-*/',
      '.svelte-kit/',
      '.svelte-kit-*/',
      'node_modules/',
      'test-results/',
      'bench-results/',
      'playwright-report/',
      'scripts/*.tmp.mjs'
    ]
  }
);
