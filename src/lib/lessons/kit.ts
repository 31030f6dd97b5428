/**
 * The lesson kit: what every lesson's checks.ts is written with, so that a checks.ts holds the
 * lesson and not the plumbing.
 *
 * - Messages: every message a check shows is built from a key and parameters (`messages()`), so
 *   that it can be translated; the kit's own messages live in `kitMessages` below.
 * - Checks: `check({ id, title, run })`; inside `run`, `fail(msg)` ends the check with a failing
 *   outcome, and returning a message passes it. Errors thrown by the learner's code propagate: the
 *   runner fails the check with them, located in the learner's file.
 * - The learner's exports: `learner(ctx, name, signature)`.
 * - Tensors: `expectTensor` (type and shape), `expectClose` (against a float64 reference, with the
 *   "row r, column c: got …, expected …" message), `matches` (for hints: does it equal a wrong answer?).
 * - Cases: `cases()` adds the edge shapes every kernel must survive; `seeded()` makes named inputs.
 * - Structure: `ctx.probe(fn)` records what one call allocated, dispatched and ran; `largestAllocation`,
 *   `reads`, `graphValues` read that record.
 * - Speed: `warmUp` (compile before timing) and `race` (a ratio for the page; never a verdict).
 */
import type { Tensor } from 'lab';
import { formatBytes } from '$lib/bench/format';
import type { Check, CheckOutcome, Lab, LessonContext, ProbeRecord } from './types';

// ---------------------------------------------------------------------------------------------
// Messages

export type Params = Record<string, string | number>;

/**
 * A message: its key (for translation), its parameters, and its English text. A message joined
 * from several keeps them as `parts`, so that a translation renders each and joins them the same way.
 */
export interface Message {
  key: string;
  params: Params;
  text: string;
  parts?: Message[];
}

/** Fill `{name}` placeholders; numbers are printed as given (format them before when needed). */
export function render(template: string, params: Params): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Every catalogue made with `messages()`, by namespace: the translation tests compare them with ko.json. */
export const catalogues = new Map<string, Record<string, string>>();

/**
 * A lesson's message catalogue: `const m = messages('01-attention', { 'not-causal': '… {n} …' })`,
 * then `m('not-causal', { n })`. Keys are prefixed with the namespace ('01-attention.not-causal').
 */
export function messages<K extends string>(
  namespace: string,
  templates: Record<K, string>
): (key: K, params?: Params) => Message {
  catalogues.set(namespace, { ...catalogues.get(namespace), ...templates });
  return (key, params = {}) => ({ key: `${namespace}.${key}`, params, text: render(templates[key], params) });
}

/** The kit's own messages. */
export const kitMessages = {
  'missing-export': 'main.ts must export a function {signature}; it exports {exports}',
  'not-a-function': 'main.ts exports {name}, but it is a {type}, not a function {signature}',
  'not-tensor': '{what} must return a Tensor { shape, data: Float32Array }, got {got}',
  shape: '{what}: expected shape [{expected}], got [{got}]',
  mismatch: '{where}: {detail}',
  'mismatch-hint': '{where}: {detail}. {hint}',
  'mismatch-at': '{where}: {detail}.',
  matches: 'matches the float64 reference for {cases}',
  'not-number': '{what} must return a number, got {got}',
  race: '{mine}: {mineMs} ms, {baseline}: {baselineMs} ms at N = {n} ({ratio}× {faster})',
  /** Written by the sandbox's runner (not a check): a check for other backends, and learner code that threw. */
  skipped: 'runs on {backends} only',
  threw: 'your code threw: {message}'
} as const;
export const kit = messages('kit', kitMessages as Record<keyof typeof kitMessages, string>);

/** Join several messages' texts (e.g. a result and a race) into one outcome. */
export function join(first: Message, ...rest: Message[]): Message {
  const parts = [first, ...rest].flatMap((m) => m.parts ?? [m]);
  return { key: first.key, params: first.params, text: parts.map((m) => m.text).join(' '), parts };
}

/**
 * A failing message completed by a hint that explains a known mistake: the hint's key names the
 * whole (a translation renders the hint's template and joins it the same way), with both
 * messages' parameters.
 */
export function hinted(base: Message, hint: Message): Message {
  return { ...join(base, hint), key: hint.key, params: { ...base.params, ...hint.params } };
}

// ---------------------------------------------------------------------------------------------
// Checks

/** Thrown by `fail`: the check fails with this message. */
export class CheckFailure extends Error {
  constructor(readonly detail: Message) {
    super(detail.text);
    this.name = 'CheckFailure';
  }
}

/** End the current check with a failing outcome. */
export function fail(message: Message): never {
  throw new CheckFailure(message);
}

/** Fail with `message` unless `condition` holds. */
export function ensure(condition: unknown, message: Message | (() => Message)): asserts condition {
  if (!condition) fail(typeof message === 'function' ? message() : message);
}

const outcomeOf = (pass: boolean, m: Message): CheckOutcome => ({
  pass,
  message: m.text,
  key: m.key,
  params: m.params,
  ...(m.parts && { parts: m.parts.map((x) => ({ key: x.key, params: x.params })) })
});

export interface CheckSpec {
  id: string;
  title: string;
  /** Backends this check applies to; all when absent. */
  backends?: Check['backends'];
  /** The check's body: return the passing message, or call `fail`. */
  run(ctx: LessonContext): Promise<Message> | Message;
}

/** A check from its spec: a returned message passes, `fail` fails, learner errors propagate. */
export function check(spec: CheckSpec): Check {
  return {
    id: spec.id,
    title: spec.title,
    backends: spec.backends,
    async run(ctx) {
      try {
        return outcomeOf(true, await spec.run(ctx));
      } catch (e) {
        if (e instanceof CheckFailure) return outcomeOf(false, e.detail);
        throw e;
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------
// The learner's exports

const typeName = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x);

/** The learner's exported function `name`, or a failure that says what main.ts must export. */
export function learner<F extends (...args: never[]) => unknown>(
  ctx: LessonContext,
  name: string,
  signature: string
): F {
  const f = ctx.learner[name];
  if (f === undefined) {
    const exports = Object.keys(ctx.learner).filter((k) => k !== '__esModule');
    fail(kit('missing-export', { signature, exports: exports.length ? exports.join(', ') : 'nothing' }));
  }
  if (typeof f !== 'function') fail(kit('not-a-function', { name, type: typeName(f), signature }));
  return f as F;
}

/** A number from the learner, or a failure naming what came back. */
export function expectNumber(value: unknown, what: string): number {
  if (typeof value !== 'number') fail(kit('not-number', { what, got: describe(value) }));
  return value;
}

// ---------------------------------------------------------------------------------------------
// Tensors

export function isTensor(x: unknown): x is Tensor {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as { shape?: unknown }).shape) &&
    (x as { data?: unknown }).data instanceof Float32Array
  );
}

function describe(x: unknown): string {
  if (isTensor(x)) return `a Tensor of shape [${x.shape.join(', ')}]`;
  if (x instanceof Float32Array || x instanceof Float64Array) return `a ${x.constructor.name}(${x.length})`;
  if (x && typeof x === 'object' && 'data' in x && 'shape' in x) {
    const d = (x as { data: unknown }).data;
    return `{ shape, data } whose data is ${d === null ? 'null' : typeName(d) === 'object' ? (d as object).constructor?.name : typeName(d)}, not a Float32Array`;
  }
  try {
    return (JSON.stringify(x) ?? String(x)).slice(0, 80);
  } catch {
    return String(x).slice(0, 80);
  }
}

/**
 * `value` as a Tensor of `shape` (null: any shape), or a failure that says what came back.
 * `what` names the function in messages ("attention", "recurrent(q, k, v)").
 */
export function expectTensor(value: unknown, shape: readonly number[] | null, what: string): Tensor {
  if (!isTensor(value)) fail(kit('not-tensor', { what, got: describe(value) }));
  if (value.data.length !== value.shape.reduce((a, b) => a * b, 1)) {
    fail(
      kit('shape', {
        what,
        expected: value.shape.join(', '),
        got: `${value.shape.join(', ')} with ${value.data.length} values`
      })
    );
  }
  if (shape && (value.shape.length !== shape.length || value.shape.some((s, i) => s !== shape[i]))) {
    fail(kit('shape', { what, expected: shape.join(', '), got: value.shape.join(', ') }));
  }
  return value;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

type Expected = { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

/** Does `actual` equal `expected` within tolerance? (For hints: compare with a known wrong answer.) */
export function matches(lab: Lab, actual: Tensor, expected: Expected, tol: Tolerance): boolean {
  return lab.tensors.compare(actual, expected, tol).ok;
}

/**
 * Fail unless `actual` is a tensor of the reference's shape that matches it within tolerance.
 * `where` says which case ("N = 7, d = 16"); `hint(comparison)` may explain a known mistake.
 */
export function expectClose(
  lab: Lab,
  actual: unknown,
  expected: Expected,
  tol: Tolerance,
  where: string,
  what: string,
  hint?: (t: Tensor, c: ReturnType<Lab['tensors']['compare']>) => Message | string | null | undefined
): Tensor {
  const t = expectTensor(actual, expected.shape, what);
  const c = lab.tensors.compare(t, expected, tol);
  if (c.ok) return t;
  const h = hint?.(t, c);
  if (!h) fail(kit('mismatch', { where, detail: c.message }));
  if (typeof h === 'string') fail(kit('mismatch-hint', { where, detail: c.message, hint: h }));
  // The hint is the most specific part: its key names the message, and the parts let a
  // translation render "{where}: {detail}." and the hint's template, joined the same way.
  fail(hinted(kit('mismatch-at', { where, detail: c.message }), h));
}

// ---------------------------------------------------------------------------------------------
// Cases and inputs

/**
 * The cases a check runs: the lesson's own, after the edge cases every kernel must survive
 * (N = 1, and N not a multiple of `block`), unless the lesson's list already has them.
 */
export function cases<C extends { n: number }>(own: readonly C[], edge: { block: number; make(n: number): C }): C[] {
  const list = [...own];
  if (!list.some((c) => c.n === 1)) list.unshift(edge.make(1));
  if (!list.some((c) => c.n > 1 && c.n % edge.block !== 0)) list.push(edge.make(edge.block + 3));
  return list;
}

/** Describe a list of cases for a passing message: "N = 1, 7, 100". */
export const listN = (list: readonly { n: number }[]) => `N = ${list.map((c) => c.n).join(', ')}`;

/**
 * Seeded standard-normal inputs by name: `seeded(lab, { q: [n, d], k: [n, d] }, 10)` gives q with
 * seed 10, k with seed 11, …, so every run (and CI) sees the same numbers.
 */
export function seeded<K extends string>(
  lab: Lab,
  shapes: Record<K, readonly number[]>,
  seed: number
): Record<K, Tensor> {
  const out = {} as Record<K, Tensor>;
  (Object.keys(shapes) as K[]).forEach((name, i) => {
    out[name] = lab.tensors.randn(shapes[name], seed + i);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Structure, from the probes

/** Every allocation's bytes, summed (GPU buffers, lab tensors, and the largest graph's tensors). */
export function totalBytes(record: ProbeRecord): number {
  const graph = Math.max(0, ...record.graphs.map((g) => graphBytes(g)));
  return record.allocations.reduce((a, x) => a + x.bytes, 0) + graph;
}

/** float32 bytes of every value of one graph run. */
export function graphBytes(g: ProbeRecord['graphs'][number]): number {
  return g.values.reduce((a, v) => a + 4 * v.shape.reduce((x, y) => x * y, 1), 0);
}

/** The largest single allocation or graph value, with a description for messages. */
export function largestAllocation(record: ProbeRecord): { label: string; bytes: number; text: string } | null {
  let best: { label: string; bytes: number; text: string } | null = null;
  for (const a of record.allocations) {
    if (!best || a.bytes > best.bytes) {
      best = {
        label: a.label,
        bytes: a.bytes,
        text: `${a.kind === 'gpu' ? 'buffer' : 'tensor'} '${a.label}' (${formatBytes(a.bytes)})`
      };
    }
  }
  for (const g of record.graphs) {
    for (const v of g.values) {
      const bytes = 4 * v.shape.reduce((x, y) => x * y, 1);
      if (!best || bytes > best.bytes) {
        best = {
          label: v.name,
          bytes,
          text: `graph tensor '${v.name}' [${v.shape.join(', ')}] (${formatBytes(bytes)})`
        };
      }
    }
  }
  return best;
}

/** Element reads of read-only storage binding `name`, summed over the record's dispatches (null: not counted). */
export function reads(record: ProbeRecord, name: string): number | null {
  let total = 0;
  let seen = false;
  for (const d of record.dispatches) {
    if (!d.reads) continue;
    seen = true;
    total += d.reads[name] ?? 0;
  }
  return seen ? total : null;
}

/** How many dispatches ran, optionally only those of one entry point. */
export function dispatchCount(record: ProbeRecord, entryPoint?: string): number {
  return record.dispatches.filter((d) => !entryPoint || d.entryPoint === entryPoint).length;
}

/** float32 elements that went to and from onnxruntime in the record's graph runs. */
export function transferred(record: ProbeRecord): number {
  return record.graphs.reduce((a, g) => a + g.transferred, 0);
}

// ---------------------------------------------------------------------------------------------
// Speed: warm-up and races (information for the page, never a verdict)

/** Call `fn` once untimed: the first call compiles pipelines and starts onnxruntime. */
export async function warmUp(lab: Lab, fn: () => unknown): Promise<void> {
  await lab.time(fn, { warmup: 0, repeats: 1 });
}

/**
 * Time the learner's code and a baseline on the same input (warm-up, then the median of
 * `repeats`), and say how they compare. The ratio is shown on the page; it never passes or fails
 * a check, because timings on a shared machine are noise.
 */
export async function race(
  lab: Lab,
  n: number,
  mine: { label: string; run: () => unknown },
  baseline: { label: string; run: () => unknown },
  repeats = 3
): Promise<{ mineMs: number; baselineMs: number; ratio: number; message: Message }> {
  const a = await lab.time(mine.run, { warmup: 1, repeats });
  const b = await lab.time(baseline.run, { warmup: 1, repeats });
  const ratio = b.medianMs / a.medianMs;
  const faster = ratio >= 1;
  return {
    mineMs: a.medianMs,
    baselineMs: b.medianMs,
    ratio,
    message: kit('race', {
      mine: mine.label,
      mineMs: a.medianMs.toPrecision(3),
      baseline: baseline.label,
      baselineMs: b.medianMs.toPrecision(3),
      n,
      ratio: (faster ? ratio : 1 / ratio).toFixed(2),
      faster: faster ? 'faster' : 'slower'
    })
  };
}
