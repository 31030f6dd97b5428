/**
 * Loads Monaco on demand (it is large: the lesson's prose never waits for it), with TypeScript
 * checking learner code against the lesson API's declarations, and WGSL highlighting.
 */
import type * as Monaco from 'monaco-editor';
import labTypes from '$lib/lab/lab.d.ts?raw';
import { registerWgsl } from './wgsl';

let loading: Promise<typeof Monaco> | null = null;

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
    registerWgsl(monaco);
    return monaco;
  })();
  return loading;
}

export function languageOf(file: string): string {
  if (file.endsWith('.ts')) return 'typescript';
  if (file.endsWith('.wgsl')) return 'wgsl';
  return 'plaintext';
}
