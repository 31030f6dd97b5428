/**
 * Lesson 21 checks. Against LLaDA (fixtures.json, written by fixtures.py, a numpy port of
 * generate.py and GUIDELINES.md): the linear schedule, the forward process, the 1/t-weighted loss
 * on a fixed mask, and the unmask order of the sampler driven by a mock network (a fixed logits
 * table). Against the float64 reference (reference.ts): the tokens the sampler draws from the
 * lesson's real network, with the cache and without. From the probes (structure.ts): how many
 * network calls a generation makes, and that with the cache no call recomputes the prompt's or a
 * finished block's K and V. The sweep is in sweep.ts.
 */
import type { Tensor } from 'lab';
import { type Message, check, fail, hinted, learner, messages } from '$lib/lessons/kit';
import type { LessonContext, LessonHarness } from '$lib/lessons/types';
import { fixtures, mockLogits, uniform } from './fixtures';
import { sample } from './reference';
import { callsCheck, cacheCheck, networkCheck } from './structure';
import { sweep } from './sweep';

type Schedule = (maskCount: number, steps: number) => number[];
type ForwardProcess = (
  x: readonly number[],
  t: number,
  u: readonly number[],
  maskId: number,
  eps?: number
) => { noisy: number[]; masked: boolean[]; pMask: number };
type Loss = (batch: { x: number[]; logits: Tensor; masked: boolean[]; pMask: number }[]) => number;
type MockCache = { capacity: number; layout: unknown; k: never[]; v: never[] };
type Generate = (
  network: {
    vocab: number;
    maskId: number;
    cache(capacity: number, layout: unknown): MockCache;
    forward(tokens: readonly number[], start: number, cache: MockCache): Promise<Tensor>;
  },
  prompt: readonly number[],
  options: { genLength: number; blockLength: number; steps: number; cache: boolean }
) => Promise<number[]>;

const m = messages('21-diffusion-llm', {
  'schedule-wrong':
    'numTransferTokens({maskCount}, {steps}) returned [{got}]; LLaDA’s get_num_transfer_tokens gives [{want}].',
  'schedule-last':
    'The remainder went to the LAST steps: get_num_transfer_tokens gives the one extra token to the first maskCount % steps steps.',
  'schedule-sum':
    'Those add up to {sum}, not the {maskCount} masked tokens: every one must be committed by the last step.',
  'schedule-ok': 'the linear schedule matches get_num_transfer_tokens for {cases} (mask count, steps) pairs',
  'forward-wrong':
    'forwardProcess(x, t = {t}, u, …) {what}: with p = (1 − ε)t + ε = {want}, token i is masked exactly when u[i] < p.',
  'forward-p': 'returned pMask = {got}',
  'forward-mask': 'masked position {at} wrongly (u = {u}); noisy must hold the mask id there and x elsewhere',
  'forward-ok': 'the forward process masks where GUIDELINES.md’s forward_process does ({cases} sequences)',
  'loss-wrong': 'On fixture batch {case} the loss is {got}; GUIDELINES.md’s gives {want}.',
  'loss-unweighted':
    'That is the loss WITHOUT the 1/t weight: divide each masked token’s cross-entropy by its p_mask, or the estimator is no longer a bound on the negative log-likelihood.',
  'loss-mean': 'That is the mean over masked tokens: GUIDELINES.md sums and divides by b·l, all tokens, masked or not.',
  'loss-ok': 'the loss equals GUIDELINES.md’s on fixed masks: {values}',
  'order-calls': 'LLaDA’s generate makes {want} network calls for this case; your sampler made {got} ({where}).',
  'order-wrong':
    '{where}: position {at} was committed at call {got} with token {token}; LLaDA’s generate commits it at call {want} with token {wantToken}.',
  'order-token': '{where}: position {at} holds token {token}; LLaDA’s generate gives {wantToken}.',
  'order-least':
    'You commit the LEAST confident predictions: low-confidence remasking keeps the most confident ones and remasks the rest.',
  'order-ok':
    'the unmask order and tokens equal LLaDA’s generate.py (numpy port) on {cases} mock runs, with and without the cache'
});

export async function scheduleRun(ctx: LessonContext): Promise<Message> {
  const numTransferTokens = learner<Schedule>(
    ctx,
    'numTransferTokens',
    'numTransferTokens(maskCount, steps): number[]'
  );
  for (const { maskCount, steps, counts } of fixtures.schedule) {
    const got = Array.from(numTransferTokens(maskCount, steps) ?? []);
    if (got.length === counts.length && got.every((x, i) => x === counts[i])) continue;
    const wrong = m('schedule-wrong', { maskCount, steps, got: got.join(', '), want: counts.join(', ') });
    const sum = got.reduce((a, b) => a + b, 0);
    if (got.length === counts.length && got.every((x, i) => x === counts[counts.length - 1 - i])) {
      fail(hinted(wrong, m('schedule-last')));
    }
    fail(sum !== maskCount ? hinted(wrong, m('schedule-sum', { sum, maskCount })) : wrong);
  }
  return m('schedule-ok', { cases: fixtures.schedule.length });
}

async function forwardRun(ctx: LessonContext): Promise<Message> {
  const forwardProcess = learner<ForwardProcess>(ctx, 'forwardProcess', 'forwardProcess(x, t, u, maskId, eps?)');
  let cases = 0;
  for (const c of fixtures.loss) {
    for (let r = 0; r < c.b; r++) {
      const u = Array.from({ length: c.l }, (_, i) => uniform(r, i, c.seed));
      const got = forwardProcess(c.x[r], c.t[r], u, c.maskId, c.eps);
      const want = c.pMask[r];
      if (Math.abs(got.pMask - want) > 1e-12) {
        fail(m('forward-wrong', { t: c.t[r], want, what: m('forward-p', { got: got.pMask }).text }));
      }
      for (let i = 0; i < c.l; i++) {
        if (Boolean(got.masked[i]) !== c.masked[r][i] || got.noisy[i] !== c.noisy[r][i]) {
          fail(m('forward-wrong', { t: c.t[r], want, what: m('forward-mask', { at: i, u: u[i] }).text }));
        }
      }
      cases++;
    }
  }
  return m('forward-ok', { cases });
}

async function lossRun(ctx: LessonContext): Promise<Message> {
  const diffusionLoss = learner<Loss>(ctx, 'diffusionLoss', 'diffusionLoss(batch): number');
  const values: string[] = [];
  for (const [k, c] of fixtures.loss.entries()) {
    const batch = c.x.map((x, r) => ({
      x,
      logits: mockLogits(ctx.lab, r, 0, c.l, c.vocab, c.seed), // fixtures.py's logits of sequence r
      masked: c.masked[r],
      pMask: c.pMask[r]
    }));
    const got = diffusionLoss(batch);
    if (typeof got !== 'number' || !(Math.abs(got - c.loss) <= 1e-9 * Math.abs(c.loss))) {
      const wrong = m('loss-wrong', { case: k + 1, got: String(got), want: c.loss });
      if (typeof got === 'number' && Math.abs(got - c.lossWithoutWeight) <= 1e-9 * c.lossWithoutWeight) {
        fail(hinted(wrong, m('loss-unweighted')));
      }
      const maskedCount = c.masked.flat().filter(Boolean).length;
      if (typeof got === 'number' && Math.abs((got * maskedCount) / (c.b * c.l) - c.loss) <= 1e-9 * c.loss) {
        fail(hinted(wrong, m('loss-mean')));
      }
      fail(wrong);
    }
    values.push(got.toFixed(6));
  }
  return m('loss-ok', { values: values.join(', ') });
}

/** Run the learner's sampler on the mock network; the calls it makes tell when each position was committed. */
async function mockRun(ctx: LessonContext, c: (typeof fixtures.generate)[number], cache: boolean) {
  const generate = learner<Generate>(ctx, 'generate', 'generate(network, prompt, options): Promise<number[]>');
  const seenUnmasked = new Map<number, number>(); // position → first call that saw it unmasked
  let calls = 0;
  const network = {
    vocab: c.vocab,
    maskId: c.maskId,
    cache: (capacity: number, layout: unknown): MockCache => ({ capacity, layout, k: [], v: [] }),
    async forward(tokens: readonly number[], start: number) {
      tokens.forEach((t, i) => {
        if (t !== c.maskId && !seenUnmasked.has(start + i)) seenUnmasked.set(start + i, calls);
      });
      return mockLogits(ctx.lab, calls++, start, tokens.length, c.vocab, c.seed);
    }
  };
  const tokens = Array.from(
    await generate(network, c.promptTokens, {
      genLength: c.genLength,
      blockLength: c.blockLength,
      steps: c.steps,
      cache
    })
  );
  const committedAt = tokens.map((t, at) =>
    at < c.prompt ? -1 : t === c.maskId ? -2 : (seenUnmasked.get(at) ?? calls) - 1
  );
  return { tokens, committedAt, calls };
}

async function orderRun(ctx: LessonContext): Promise<Message> {
  let runs = 0;
  for (const c of fixtures.generate) {
    for (const cache of [false, true]) {
      const where = `prompt ${c.prompt}, L = ${c.genLength}, B = ${c.blockLength}, T = ${c.steps}, cache ${cache ? 'on' : 'off'}`;
      const got = await mockRun(ctx, c, cache);
      if (got.calls !== c.steps) fail(m('order-calls', { want: c.steps, got: got.calls, where }));
      // Without the cache every call sends every position up to the block's end, so the mock sees
      // each commit at the next call; with it, only the tokens are compared.
      const at = got.tokens.findIndex(
        (t, i) => t !== c.tokens[i] || (!cache && got.committedAt[i] !== c.committedAt[i])
      );
      if (at < 0) {
        runs++;
        continue;
      }
      const wrong = cache
        ? m('order-token', { where, at, token: got.tokens[at], wantToken: c.tokens[at] })
        : m('order-wrong', {
            where,
            at,
            got: got.committedAt[at] < -1 ? 'never' : got.committedAt[at],
            token: got.tokens[at],
            want: c.committedAt[at],
            wantToken: c.tokens[at]
          });
      // The same sampler committing the least confident: is that what happened?
      const least = sample(
        (x, hi, call) => mockLogits(ctx.lab, call, 0, hi, c.vocab, c.seed).data,
        c.vocab,
        c.maskId,
        c.promptTokens,
        c,
        true
      );
      const same = least.tokens.every((t, i) => t === got.tokens[i]);
      fail(same ? hinted(wrong, m('order-least')) : wrong);
    }
  }
  return m('order-ok', { cases: runs });
}

export const harness: LessonHarness = {
  checks: [
    check({ id: 'schedule', title: 'numTransferTokens is LLaDA’s linear schedule', run: scheduleRun }),
    check({ id: 'forward-process', title: 'forwardProcess masks as GUIDELINES.md’s forward_process', run: forwardRun }),
    check({ id: 'loss', title: 'diffusionLoss equals GUIDELINES.md’s loss on a fixed mask', run: lossRun }),
    check({
      id: 'unmask-order',
      title: 'The sampler commits what LLaDA’s generate.py commits, when it does',
      run: orderRun
    }),
    networkCheck,
    callsCheck,
    cacheCheck
  ],
  sweep
};
