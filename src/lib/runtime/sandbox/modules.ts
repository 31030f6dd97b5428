/**
 * Turns the learner's files into running modules: TypeScript types are stripped by sucrase (which
 * keeps line numbers, so errors point at the learner's own lines), imports become calls to a
 * small `require` that knows only 'lab' and the lesson's files, and each file is evaluated with a
 * sourceURL so stack traces name it.
 */
import { transform } from 'sucrase';
import { LabError } from '../lab/errors';
import { frozenLabMessage } from '../lab/freeze';
import type { LearnerError } from '../protocol';

export type Files = Record<string, string>;

function normalise(spec: string): string {
  return spec.replace(/^\.\//, '');
}

/** Which of the learner's files a require specifier names, trying the extensions TypeScript would. */
function resolve(files: Files, spec: string): string | undefined {
  const name = normalise(spec);
  return [name, `${name}.ts`].find((n) => n in files);
}

function compileError(file: string, e: unknown): LabError {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /\((\d+):(\d+)\)\s*$/.exec(msg);
  const line = m ? Number(m[1]) : undefined;
  const column = m ? Number(m[2]) + 1 : undefined;
  return new LabError({
    kind: 'compile',
    file,
    line,
    column,
    message: `${file}${line ? `:${line}:${column}` : ''}: ${msg.replace(/\s*\(\d+:\d+\)\s*$/, '')}`
  });
}

export function compile(file: string, source: string): string {
  try {
    return transform(source, { transforms: ['typescript', 'imports'], filePath: file, production: true }).code;
  } catch (e) {
    throw compileError(file, e);
  }
}

/** Evaluate the learner's files, starting from `entry`; returns the entry's exports. */
export function loadModules(files: Files, lab: object, entry = 'main.ts'): Record<string, unknown> {
  const cache = new Map<string, { exports: Record<string, unknown> }>();

  function load(file: string): Record<string, unknown> {
    const hit = cache.get(file);
    if (hit) return hit.exports;
    const mod = { exports: {} as Record<string, unknown> };
    cache.set(file, mod);
    if (!file.endsWith('.ts')) {
      // Shaders and other text files import as their source string.
      mod.exports = { __esModule: true, default: files[file] };
      return mod.exports;
    }
    const code = compile(file, files[file]);
    const require = (spec: string): unknown => {
      if (spec === 'lab') return lab;
      const target = resolve(files, spec);
      if (!target) {
        throw new LabError({
          kind: 'runtime',
          file,
          message: `${file} imports '${spec}', but only 'lab' and this lesson's files (${Object.keys(files).join(', ')}) can be imported`
        });
      }
      return load(target);
    };
    // The wrapper starts on the same line as the code, so line numbers match the learner's file.
    const fn = (0, eval)(`(function (require, exports, module) {${code}\n})\n//# sourceURL=${file}`) as (
      r: typeof require,
      e: Record<string, unknown>,
      m: typeof mod
    ) => void;
    fn(require, mod.exports, mod);
    return mod.exports;
  }

  if (!(entry in files)) throw new LabError({ kind: 'api', message: `there is no ${entry} to run` });
  return load(entry);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Describe any thrown value as a learner error, located in their files when the stack says where. */
export function toLearnerError(e: unknown, files: Files): LearnerError {
  if (e instanceof LabError) return e.detail;
  const err = e instanceof Error ? e : new Error(String(e));
  const names = Object.keys(files).map(escape).join('|');
  const at = names ? new RegExp(`(?:^|[\\s(@/])(${names}):(\\d+):(\\d+)`).exec(err.stack ?? '') : null;
  const text = frozenLabMessage(err) ?? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
  if (at) {
    return {
      kind: 'runtime',
      file: at[1],
      line: Number(at[2]),
      column: Number(at[3]),
      message: `${at[1]}:${at[2]}: ${text}`
    };
  }
  return { kind: 'runtime', message: text };
}
