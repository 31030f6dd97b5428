/**
 * Loads Monaco on demand (it is large: the lesson's prose never waits for it), with TypeScript
 * checking learner code against the lesson API's declarations, and WGSL highlighting.
 */
import type * as Monaco from 'monaco-editor';
import labTypes from '$lib/lab/lab.d.ts?raw';
import { ASSEMBLYSCRIPT_TYPES } from '$lib/runtime/simd/editor-types';
import { registerWgsl } from './wgsl';

let loading: Promise<typeof Monaco> | null = null;
const THEME = 'speedlab-light';

export function loadMonaco(): Promise<typeof Monaco> {
  loading ??= (async () => {
    const [monaco, editorWorker, tsWorker] = await Promise.all([
      import('monaco-editor'),
      import('monaco-editor/editor/editor.worker?worker'),
      import('monaco-editor/language/typescript/ts.worker?worker')
    ]);
    (self as unknown as { MonacoEnvironment: Monaco.Environment }).MonacoEnvironment = {
      getWorker: (_id: string, label: string) =>
        label === 'typescript' || label === 'javascript' ? new tsWorker.default() : new editorWorker.default()
    };
    const ts = monaco.typescript;
    ts.typescriptDefaults.setCompilerOptions({
      target: ts.ScriptTarget.ES2020,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.NodeJs,
      strict: true,
      noEmit: true,
      allowNonTsExtensions: true,
      lib: ['es2020']
    });
    ts.typescriptDefaults.addExtraLib(labTypes, 'file:///node_modules/@types/lab/index.d.ts');
    // AssemblyScript's types and SIMD built-ins, for the simd backend's *.as.ts files.
    ts.typescriptDefaults.addExtraLib(
      ASSEMBLYSCRIPT_TYPES,
      'file:///node_modules/@types/assemblyscript-lab/index.d.ts'
    );
    registerWgsl(monaco);
    // Monaco's light theme with every colour of text at 4.5:1 or more on white (WCAG AA): its grey
    // for WGSL attributes (@group, @binding) is 3.9:1, unused code is faded to 67 % and the last,
    // empty line number is dimmed.
    monaco.editor.defineTheme(THEME, {
      base: 'vs',
      inherit: true,
      rules: [{ token: 'annotation', foreground: '6f42c1' }],
      colors: { 'editorUnnecessaryCode.opacity': '#000000e0', 'editorLineNumber.dimmedForeground': '#6e6e6e' }
    });
    monaco.editor.setTheme(THEME);
    return monaco;
  })();
  return loading;
}

export function languageOf(file: string): string {
  if (file.endsWith('.ts')) return 'typescript';
  if (file.endsWith('.wgsl')) return 'wgsl';
  return 'plaintext';
}
