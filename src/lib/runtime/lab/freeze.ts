/**
 * The lab is frozen before learner code runs: its parts cannot be replaced or patched, by the
 * learner's modules or by a lesson's checks, so what a probe records is what the lab did. Learner
 * modules run in strict mode, where an assignment to a frozen property throws a TypeError; this
 * module names the member in that error.
 */

/** Member paths of frozen lab objects, by property name ('dispatch' → ['lab.gpu.dispatch']). */
const members = new Map<string, Set<string>>();

function note(name: string, path: string): void {
  let paths = members.get(name);
  if (!paths) members.set(name, (paths = new Set()));
  paths.add(path);
}

/** Freeze `lab` and each plain object it holds (tensors, gpu, onnx), getters included (they keep working). */
export function freezeLab<T extends object>(lab: T): Readonly<T> {
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(lab))) {
    note(name, `lab.${name}`);
    const value: unknown = descriptor.value;
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      for (const inner of Object.keys(Object.getOwnPropertyDescriptors(value))) note(inner, `lab.${name}.${inner}`);
      Object.freeze(value);
    }
  }
  return Object.freeze(lab);
}

/**
 * A sentence for a TypeError thrown by assigning to, redefining or deleting a member of the frozen
 * lab, or null when the error is not one of those. Messages of V8, SpiderMonkey and JavaScriptCore.
 */
export function frozenLabMessage(error: Error): string | null {
  if (!(error instanceof TypeError)) return null;
  const m = error.message;
  const name =
    /^Cannot assign to read only property '([^']+)'/.exec(m)?.[1] ??
    /^Cannot set property (\S+) of .* which has only a getter/.exec(m)?.[1] ??
    /^Cannot (?:delete|redefine) property:? '?([^'\s]+)'?/.exec(m)?.[1] ??
    /^"([^"]+)" is read-only/.exec(m)?.[1] ??
    /^property "([^"]+)" is non-configurable and can't be deleted/.exec(m)?.[1];
  const paths = name ? members.get(name) : undefined;
  if (!paths) return null;
  const path = [...paths].join(' or ');
  const verb = /delete/i.test(m) ? 'deleted' : /redefine/.test(m) ? 'redefined' : 'assigned to';
  return `lab is read-only: your code ${verb} ${path} (${path} cannot be replaced or patched)`;
}
