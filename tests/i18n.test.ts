/**
 * Korean, end to end: every interface string, every lesson's prose (README.ko.md, with the same
 * structure as the English; that it exists and follows the current README.md is a lessons test),
 * and every text a lesson's code shows (check messages by key, titles and chart labels by their
 * English) has its Korean.
 */
import { describe, expect, test } from 'vitest';
import { en } from '$lib/i18n/en';
import { commonTextKo, kitKo } from '$lib/i18n/kit.ko';
import { ko } from '$lib/i18n/ko';
import { koreanText } from '$lib/i18n/lesson-text';
import { catalogues, kitMessages } from '$lib/lessons/kit';
import { lessons } from '$lib/lessons/loader';
import { memoryModels } from '$lib/lessons/memory-models';
import { parseReadme } from '$lib/lessons/schema';
import { readmes, readmesKo } from '$lib/lessons/sources';
import { placeholders, structureOf, translatedFrontmatterSchema } from '$lib/lessons/translation';
import { runInNode } from './support/run-in-node';

/**
 * Interface strings that are the same in Korean: names and symbols. Anything else equal to its
 * English is an untranslated string.
 */
const SAME_IN_KOREAN = new Set<string>(['site.name', 'backend.webgpu', 'backend.wasm', 'backend.simd']);

/** Words a chart label or title may keep in English: units, names, symbols. */
const KEPT_WORDS = new Set(
  [
    'ms',
    'GiB',
    'MiB',
    'KiB',
    'GFLOP',
    'GFLOPs',
    'FLOP',
    'FLOPs',
    'TFLOP',
    'WGSL',
    'WebGPU',
    'WASM',
    'SIMD',
    'ONNX',
    'onnxruntime',
    'web',
    'GPU',
    'CPU',
    'MLA',
    'GQA',
    'MQA',
    'MHA',
    'KV',
    'SSM',
    'SSD',
    'TTT',
    'MoE',
    'MoBA',
    'NSA',
    'SWA',
    'FA',
    'INT8',
    'FP8',
    'Mamba',
    'RetNet',
    'GLA',
    'DeltaNet',
    'Jamba',
    'Mixtral',
    'DeepSeek',
    'LLaDA',
    'Vim',
    'VMamba',
    'StreamingLLM',
    'H2O',
    'TopK',
    'top',
    'exp',
    'max',
    'log',
    'float32',
    'float64',
    'AssemblyScript',
    'asc',
    'SwiftShader',
    'GShard',
    'Switch',
    'Transformer',
    'relu',
    'silu',
    'softmax'
  ].map((w) => w.toLowerCase())
);

/** Whether a text the code shows is prose that must be translated (not only symbols, units and names). */
function isProse(s: string): boolean {
  const words = s
    .replace(/`[^`]*`/g, '')
    .replace(/\b[\w.-]+\.(ts|wgsl|as\.ts)\b/g, '')
    .match(/[A-Za-z]{3,}/g);
  return (words ?? []).some((w) => !KEPT_WORDS.has(w.toLowerCase()));
}

describe('interface strings', () => {
  test('Korean has exactly the English keys', () => {
    expect(Object.keys(ko).sort()).toEqual(Object.keys(en).sort());
  });

  test('each Korean string keeps its English placeholders', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(ko[key]), key).toEqual(placeholders(en[key]));
    }
  });

  test('no Korean string is its English, except names on the allow-list', () => {
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((k) => ko[k] === en[k] && !SAME_IN_KOREAN.has(k));
    expect(same).toEqual([]);
  });

  test("the lesson kit's messages and the lab's phrases have Korean with the same placeholders", () => {
    expect(Object.keys(kitKo).sort()).toEqual(Object.keys(kitMessages).sort());
    for (const [key, template] of Object.entries(kitMessages)) {
      expect(placeholders(kitKo[key as keyof typeof kitKo]), key).toEqual(placeholders(template));
    }
    for (const [from, to] of Object.entries(commonTextKo)) expect(placeholders(to), from).toEqual(placeholders(from));
  });
});

describe('Korean text of a run', () => {
  const text = koreanText('01-attention', {
    messages: { 'not-causal': '인과 마스크가 없습니다', matches: '{cases}에서 일치' },
    text: { 'band (w = {w})': '밴드 (w = {w})', 'Output matches': '출력 일치' }
  });

  test('a message is rendered from its key, with parameters that are known phrases translated', () => {
    const r = text.check({
      id: 'x',
      title: 'Output matches',
      status: 'fail',
      message: 'N = 7: row 1, column 2 differs: … Your output equals attention WITHOUT the causal mask',
      key: '01-attention.not-causal',
      parts: [
        {
          key: 'kit.mismatch-at',
          params: {
            where: 'N = 7',
            detail:
              'row 1, column 2 differs: got 0.5, expected 0.25 (max abs error 0.25; tolerance atol 0.00001 + rtol 0.0001)'
          }
        },
        { key: '01-attention.not-causal', params: {} }
      ]
    });
    expect(r.title).toBe('출력 일치');
    expect(r.message).toBe(
      'N = 7: 1행 2열이 다릅니다: 값 0.5, 기댓값 0.25 (최대 절대 오차 0.25, 허용 오차 atol 0.00001 + rtol 0.0001). 인과 마스크가 없습니다'
    );
  });

  test('a label is found by its pattern; an unknown text or key stays as the code wrote it', () => {
    expect(text.text('band (w = 128)')).toBe('밴드 (w = 128)');
    expect(text.text('something else')).toBe('something else');
    const r = { id: 'y', title: 't', status: 'pass' as const, message: 'English', key: '02-kv-cache.other' };
    expect(text.check(r).message).toBe('English');
  });
});

const all = lessons();

describe.each(all.map((l) => [l.slug, l] as const))('lesson %s in Korean', (slug, lesson) => {
  const dir = `lessons/${slug}`;

  test('README.ko.md keeps the English structure: headings, display math, code, tables, links, hints', () => {
    const english = parseReadme(`${dir}/README.md`, readmes[`/${dir}/README.md`]);
    const korean = parseReadme(
      `${dir}/README.ko.md`,
      readmesKo[`/${dir}/README.ko.md`] ?? '---\n---\n',
      translatedFrontmatterSchema
    );
    const [e, k] = [structureOf(english.body), structureOf(korean.body)];
    expect(k.headings, 'heading levels, in order').toEqual(e.headings);
    expect(k.math, 'display math, verbatim').toEqual(e.math);
    expect(k.code, 'code blocks').toBe(e.code);
    expect(k.tableRows, 'table rows').toBe(e.tableRows);
    expect(k.links, 'link targets').toEqual(e.links);
    expect(korean.meta.hints.length, 'hints').toBe(english.meta.hints.length);
    expect(korean.body.match(/[가-힣]/g)?.length ?? 0, 'Korean prose').toBeGreaterThan(english.body.length / 10);
  });

  test("ko.json has every message of the lesson's checks, with the same placeholders", () => {
    const catalogue = catalogues.get(slug) ?? {};
    const messages = lesson.ko?.strings.messages ?? {};
    expect(Object.keys(messages).sort(), `${dir}/ko.json "messages"`).toEqual(Object.keys(catalogue).sort());
    for (const [key, template] of Object.entries(catalogue)) {
      expect(placeholders(messages[key] ?? ''), `${dir}/ko.json messages.${key}`).toEqual(placeholders(template));
    }
    for (const [from, to] of Object.entries(lesson.ko?.strings.text ?? {})) {
      expect(placeholders(to), `${dir}/ko.json text "${from}"`).toEqual(placeholders(from));
    }
  });

  test('every title and label that a run shows has Korean', async () => {
    const checks = await runInNode({ lesson: slug, files: lesson.solution, mode: 'check' });
    const sweep = await runInNode({
      lesson: slug,
      files: lesson.solution,
      mode: 'sweep',
      sweep: { n: lesson.meta.sweep.n.slice(0, 2), warmup: 0, repeats: 1, budgetMs: 60_000 }
    });
    const shown = new Set<string>([memoryModels[slug].label]);
    for (const m of [...checks.messages, ...sweep.messages]) {
      if (m.type === 'check') shown.add(m.result.title);
      if (m.type === 'point') shown.add(m.point.series);
      if (m.type === 'plot') {
        for (const s of [m.plot.title, m.plot.x.label, m.plot.y.label, ...m.plot.series.map((x) => x.label)]) {
          shown.add(s);
        }
      }
    }
    const text = koreanText(slug, lesson.ko?.strings ?? { messages: {}, text: {} });
    const missing = [...shown].filter((s) => isProse(s) && !text.knows(s));
    expect(
      missing,
      `${dir}/ko.json "text" needs these (a pattern with {name} may stand for the parts that vary)`
    ).toEqual([]);
    // Every check message has a template in the page's language.
    for (const r of checks.results) {
      const keys = r.parts?.map((p) => p.key) ?? (r.key ? [r.key] : []);
      expect(keys.length, `check ${r.id} gives no message key`).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key.startsWith('kit.') || key.startsWith(`${slug}.`), `${r.id}: key ${key}`).toBe(true);
      }
    }
  });
});
