/**
 * Labels that come from learner code (lab.plot series, sweep labels) can repeat. Keyed lists and
 * chart legends need them distinct, so a repeat is shown as "label (2)", "label (3)", … in order
 * of arrival; the first keeps its name.
 */
export function disambiguate(labels: readonly string[]): string[] {
  const taken = new Set<string>();
  const next = new Map<string, number>();
  return labels.map((label) => {
    if (!taken.has(label)) {
      taken.add(label);
      return label;
    }
    let k = next.get(label) ?? 2;
    while (taken.has(`${label} (${k})`)) k++;
    next.set(label, k + 1);
    const name = `${label} (${k})`;
    taken.add(name);
    return name;
  });
}

/**
 * Names streamed sweep points by series: a point whose (series, N) was already seen belongs to a
 * second sweep with the same label, so it and the rest of that sweep move to "label (2)".
 */
export class SeriesNamer {
  readonly #seen = new Set<string>();
  readonly #names = new Set<string>();
  readonly #current = new Map<string, string>();

  name(label: string, n: number): string {
    let name = this.#current.get(label) ?? label;
    if (this.#seen.has(`${name}\u0000${n}`)) {
      let k = 2;
      while (this.#names.has(`${label} (${k})`)) k++;
      name = `${label} (${k})`;
      this.#current.set(label, name);
    }
    this.#names.add(name);
    this.#seen.add(`${name}\u0000${n}`);
    return name;
  }
}
