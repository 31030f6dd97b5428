/**
 * What a lesson's code shows (check titles and messages, chart titles, axis and series labels),
 * in the page's language. The sandbox sends English with each message's key and parameters; a
 * translation renders the key's template in its language with the parameters, themselves
 * translated where they are known phrases. Texts are found by their English, exactly or by a
 * pattern whose `{name}` parts match any text ("band (w = {w})" finds "band (w = 128)"). Whatever
 * has no translation is shown as the code wrote it.
 */
import type { LessonStrings } from '$lib/lessons/translation';
import type { CheckResult, MessagePart, PlotData } from '$lib/runtime/protocol';
import { commonTextKo, kitKo } from './kit.ko';

type Params = Record<string, string | number>;

const render = (template: string, params: Params) =>
  template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));

interface Pattern {
  re: RegExp;
  names: string[];
  to: string;
}

function compile(dict: Record<string, string>): { exact: Map<string, string>; patterns: Pattern[] } {
  const exact = new Map<string, string>();
  const patterns: Pattern[] = [];
  for (const [from, to] of Object.entries(dict)) {
    if (!/\{\w+\}/.test(from)) {
      exact.set(from, to);
      continue;
    }
    const names: string[] = [];
    const source = from
      .split(/(\{\w+\})/)
      .map((piece) => {
        const m = /^\{(\w+)\}$/.exec(piece);
        if (!m) return piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]);
        return '(.+?)';
      })
      .join('');
    patterns.push({ re: new RegExp(`^${source}$`, 's'), names, to });
  }
  // Longer patterns are more specific: try them first.
  patterns.sort((a, b) => b.re.source.length - a.re.source.length);
  return { exact, patterns };
}

export interface LessonText {
  /** A text the lesson's code wrote (a title, a label), translated; the text itself when unknown. */
  text(english: string): string;
  /** Whether `english` has a translation (for the tests). */
  knows(english: string): boolean;
  /** A check result with its title and message in the page's language. */
  check(result: CheckResult): CheckResult;
  plot(plot: PlotData): PlotData;
}

/** The identity, for English pages. */
export const englishText: LessonText = {
  text: (s) => s,
  knows: () => true,
  check: (r) => r,
  plot: (p) => p
};

/** Korean text for lesson `slug`, from its ko.json (`strings`). */
export function koreanText(slug: string, strings: LessonStrings): LessonText {
  const dict = compile({ ...commonTextKo, ...strings.text });
  const lookup = (s: string): string | null => {
    const hit = dict.exact.get(s);
    if (hit !== undefined) return hit;
    for (const p of dict.patterns) {
      const m = p.re.exec(s);
      if (!m) continue;
      // Carried-over parts may be phrases themselves ("{what} differs" with a known {what}).
      const values = Object.fromEntries(p.names.map((n, i) => [n, lookup(m[i + 1]) ?? m[i + 1]]));
      return render(p.to, values);
    }
    return null;
  };
  const text = (s: string) => lookup(s) ?? s;
  const templateOf = (key: string): string | undefined => {
    if (key.startsWith('kit.')) return (kitKo as Record<string, string>)[key.slice(4)];
    if (key.startsWith(`${slug}.`)) return strings.messages[key.slice(slug.length + 1)];
    return undefined;
  };
  const message = (part: MessagePart): string | null => {
    const template = templateOf(part.key);
    if (template === undefined) return null;
    const params = Object.fromEntries(
      Object.entries(part.params ?? {}).map(([k, v]) => [k, typeof v === 'string' ? text(v) : v])
    );
    return render(template, params);
  };
  return {
    text,
    knows: (s) => lookup(s) !== null,
    check(r) {
      const parts = r.parts?.map(message);
      const whole =
        parts && parts.every((p) => p !== null)
          ? parts.join(' ')
          : r.key
            ? message({ key: r.key, params: r.params })
            : null;
      return { ...r, title: text(r.title), message: whole ?? r.message };
    },
    plot(p) {
      return {
        ...p,
        title: text(p.title),
        x: { ...p.x, label: text(p.x.label) },
        y: { ...p.y, label: text(p.y.label) },
        series: p.series.map((s) => ({ ...s, label: text(s.label) }))
      };
    }
  };
}
