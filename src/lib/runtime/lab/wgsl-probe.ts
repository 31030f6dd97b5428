/**
 * Read counting for probes: rewrites a learner's WGSL so that every indexed read of a read-only
 * storage buffer (`var<storage, read>`) also adds one to a counter the harness owns. The learner's
 * code never sees the counters, so it cannot report its own traffic.
 *
 * `X[i]` becomes `X[select(0, i, count(slot))]`: `count` does an atomicAdd and returns true, so the
 * index is unchanged, and `select` takes an i32, a u32 or an abstract index alike. The index is
 * written once, so a read nested in another read's index (`q[idx[i]]`) is counted once. A count is
 * 64 bits, two u32 words (low, high), so a large kernel does not wrap it. One access of an array
 * element counts once whatever the element's type (a `vec4f` element is one read). Reads of a
 * buffer that is not indexed (a struct's field) are not counted.
 *
 * Pure string work: no GPU here. The added declarations go after the learner's code, so every
 * line of theirs keeps its number.
 */

/** An instrumented copy of a shader. */
export interface ReadProbe {
  /** The shader with counting added; the original when there is nothing to count. */
  code: string;
  /** Read-only storage variables, in counter-slot order; empty when there are none (nothing added). */
  names: string[];
  /** The @group(0) @binding of the counter buffer (`array<atomic<u32>>`, two words per slot); -1 when none. */
  binding: number;
  /** Bytes the counter buffer needs (zero-filled before the dispatch). */
  bytes: number;
}

const IDENT = /[A-Za-z0-9_]/;

/** The source with every comment (line and nested block) turned into spaces, newlines kept, so offsets match. */
export function blankComments(code: string): string | null {
  let out = '';
  let i = 0;
  while (i < code.length) {
    if (code.startsWith('//', i)) {
      while (i < code.length && code[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (code.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (code.startsWith('/*', i)) {
          depth++;
          out += '  ';
          i += 2;
        } else if (code.startsWith('*/', i)) {
          depth--;
          out += '  ';
          i += 2;
        } else {
          out += code[i] === '\n' ? '\n' : ' ';
          i++;
        }
      } while (depth > 0 && i < code.length);
      if (depth > 0) return null;
    } else {
      out += code[i++];
    }
  }
  return out;
}

const DECL =
  /@(?:group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)|binding\(\s*(\d+)\s*\)\s*@group\(\s*0\s*\))\s*var\s*(<[^>]*>)?\s*([A-Za-z_][A-Za-z0-9_]*)/g;

/** The @group(0) bindings a shader declares: variable name, binding index, and whether it is read-only storage. */
function bindings(stripped: string): { name: string; binding: number; readOnly: boolean }[] {
  const found: { name: string; binding: number; readOnly: boolean }[] = [];
  for (const m of stripped.matchAll(DECL)) {
    const space = (m[3] ?? '').replace(/[<>\s]/g, '').split(',');
    found.push({
      name: m[4],
      binding: Number(m[1] ?? m[2]),
      readOnly: space[0] === 'storage' && (space[1] === undefined || space[1] === 'read')
    });
  }
  return found;
}

/** Index of the bracket that closes the one at `open`, in comment-free source; -1 when unbalanced. */
function closing(stripped: string, open: number, pair: '[]' | '()' | '{}'): number {
  let depth = 0;
  for (let i = open; i < stripped.length; i++) {
    if (stripped[i] === pair[0]) depth++;
    else if (stripped[i] === pair[1] && --depth === 0) return i;
  }
  return -1;
}

/** Whether a function declares a local of this name (then some accesses of the name are not the buffer's). */
function shadowedByLocal(stripped: string, name: string): boolean {
  return new RegExp(`\\b(?:let|var|const)\\s+${name}\\b`).test(stripped);
}

/** Function bodies, each with the buffer names its parameters hide there (`fn f(v: f32)` hides buffer `v`). */
function parameterScopes(stripped: string, names: readonly string[]): Scope[] | null {
  const scopes: Scope[] = [];
  for (const fn of stripped.matchAll(/\bfn\s+[A-Za-z_][A-Za-z0-9_]*\s*\(/g)) {
    const open = fn.index + fn[0].length - 1;
    const close = closing(stripped, open, '()');
    if (close < 0) return null;
    const params = stripped.slice(open, close);
    const hidden = new Set(names.filter((name) => new RegExp(`[(,)]\\s*${name}\\s*:`).test(params)));
    if (hidden.size === 0) continue;
    const body = stripped.indexOf('{', close);
    const end = body < 0 ? -1 : closing(stripped, body, '{}');
    if (end < 0) return null;
    scopes.push({ start: body, end, hidden });
  }
  return scopes;
}

interface Scope {
  start: number;
  end: number;
  hidden: Set<string>;
}

function unusedName(code: string, base: string): string {
  let name = base;
  for (let n = 1; new RegExp(`\\b${name}`).test(code); n++) name = `${base}_${n}`;
  return name;
}

interface Text {
  code: string;
  /** The same text with comments blanked. */
  stripped: string;
  /** Counter slot of each read-only buffer. */
  slots: Map<string, number>;
  /** Name of the counting function. */
  count: string;
  scopes: Scope[];
}

/**
 * Rewrite every indexed access of the read-only buffers in `code[start, end)`, comments copied as
 * they are. Null when a bracket is unbalanced.
 */
function rewriteRange(text: Text, start: number, end: number): string | null {
  const { code, stripped, slots, count, scopes } = text;
  let out = '';
  let i = start;
  while (i < end) {
    const c = stripped[i];
    if (!/[A-Za-z_]/.test(c) || (i > 0 && IDENT.test(stripped[i - 1]))) {
      out += code[i++];
      continue;
    }
    let j = i;
    while (j < end && IDENT.test(stripped[j])) j++;
    const word = stripped.slice(i, j);
    const slot = slots.get(word);
    let k = j;
    while (k < end && /\s/.test(stripped[k])) k++;
    let before = i - 1;
    while (before >= 0 && /\s/.test(stripped[before])) before--;
    const member = before >= 0 && stripped[before] === '.';
    const hidden = scopes.some((sc) => sc.start < i && i < sc.end && sc.hidden.has(word));
    if (slot === undefined || member || hidden || stripped[k] !== '[') {
      out += code.slice(i, j);
      i = j;
      continue;
    }
    const close = closing(stripped, k, '[]');
    if (close < 0 || close >= end) return null;
    const index = rewriteRange(text, k + 1, close);
    if (index === null) return null;
    out += `${code.slice(i, k)}[select(0, ${index}, ${count}(${slot}u))]`;
    i = close + 1;
  }
  return out;
}

/**
 * An instrumented copy of `code` for the entry point `entryPoint`, or null when it cannot be
 * instrumented (unbalanced brackets or comments, no such entry point, a local variable named like a
 * read-only buffer). A function parameter named like a buffer hides it in that function only. With no read-only storage buffer, the code comes back as it is.
 */
export function instrumentReads(code: string, entryPoint: string): ReadProbe | null {
  const stripped = blankComments(code);
  if (stripped === null) return null;
  const declared = bindings(stripped);
  const names = [...new Set(declared.filter((b) => b.readOnly).map((b) => b.name))];
  if (names.length === 0) return { code, names: [], binding: -1, bytes: 0 };
  if (names.some((name) => shadowedByLocal(stripped, name))) return null;
  const counters = unusedName(code, 'speedlab_probe_reads');
  const count = unusedName(code, 'speedlab_probe_count');
  const binding = Math.max(...declared.map((b) => b.binding)) + 1;

  // The entry point names the counters (a phony use), so an automatic layout includes them even
  // when the entry point reads no read-only buffer itself.
  const fn = new RegExp(`\\bfn\\s+${entryPoint.replace(/[^A-Za-z0-9_]/g, '')}\\s*\\(`).exec(stripped);
  if (!fn || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entryPoint)) return null;
  const params = closing(stripped, fn.index + fn[0].length - 1, '()');
  const body = params < 0 ? -1 : stripped.indexOf('{', params);
  if (body < 0) return null;
  const use = ` _ = arrayLength(&${counters});`;
  const withUse = code.slice(0, body + 1) + use + code.slice(body + 1);
  const strippedWithUse = stripped.slice(0, body + 1) + use + stripped.slice(body + 1);

  const scopes = parameterScopes(strippedWithUse, names);
  if (!scopes) return null;
  const slots = new Map(names.map((n, i) => [n, i]));
  const text = { code: withUse, stripped: strippedWithUse, slots, count, scopes };
  const rewritten = rewriteRange(text, 0, withUse.length);
  if (rewritten === null) return null;
  const added = [
    '',
    `@group(0) @binding(${binding}) var<storage, read_write> ${counters}: array<atomic<u32>>;`,
    `fn ${count}(slot: u32) -> bool {`,
    `  let low = atomicAdd(&${counters}[2u * slot], 1u);`,
    `  if (low == 0xffffffffu) { _ = atomicAdd(&${counters}[2u * slot + 1u], 1u); }`,
    '  return true;',
    '}',
    ''
  ].join('\n');
  return { code: `${rewritten}\n${added}`, names, binding, bytes: Math.max(16, names.length * 8) };
}

/** Per-variable counts from the counter buffer's words (low, high per slot). */
export function readCounts(probe: ReadProbe, words: Uint32Array): Record<string, number> {
  const reads: Record<string, number> = {};
  probe.names.forEach((name, slot) => {
    reads[name] = words[2 * slot] + words[2 * slot + 1] * 2 ** 32;
  });
  return reads;
}
