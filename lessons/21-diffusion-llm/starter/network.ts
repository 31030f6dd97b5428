/**
 * The mask predictor that the sampler drives: a two-layer transformer, d = 64, one head, with
 * seeded random weights (nothing is downloaded: the lesson is about calls and time, not text).
 * Each layer: h ← h + softmax(q kᵀ/√d + mask) v · Wo, then h ← h + relu(h W1) W2; the logits are
 * h Wout. Its attention is block-causal: position i sees position j when j's block is not after
 * i's (the prompt is block 0, then blocks of `blockLength`), as in block diffusion (BD3-LM). So the
 * keys and values of a finished block never change, and a KV cache can keep them.
 *
 * One `forward` is one network call. It computes positions start, start + 1, … and writes their
 * K and V into the cache at those rows; positions before `start` are read from the cache as they
 * are. On WebGPU a call is three WGSL kernels (embed.wgsl, then kv.wgsl and row.wgsl per layer),
 * with the cache as GPU buffers; on WASM it is one ONNX graph run, with the cache as Float32Arrays
 * (the cached rows are padded to a power of two, masked out, so onnxruntime can reuse sessions).
 * Cost of a call with n new positions seeing up to K keys: about 2·n·(7d² + 2·K·d)·2 FLOPs.
 * You do not need to change this file.
 */
import { backend, gpu, onnx, tensors, type GpuBuffer, type Tensor, type Value } from 'lab';
import embedShader from './embed.wgsl';
import kvShader from './kv.wgsl';
import rowShader from './row.wgsl';

export const D = 64;
export const VOCAB = 32;
/** The [MASK] token: one id past the vocabulary (LLaDA's is 126336). */
export const MASK_ID = VOCAB;
export const MAX_POSITIONS = 1024;
const LAYERS = 2;

/** Where the blocks are: the prompt is block 0, then the answer in blocks of blockLength. */
export interface Layout {
  promptLength: number;
  blockLength: number;
}

/** The K and V of every layer for positions 0 … capacity − 1. */
export interface KvCache {
  readonly capacity: number;
  readonly layout: Layout;
  readonly k: (GpuBuffer | Float32Array)[];
  readonly v: (GpuBuffer | Float32Array)[];
}

export interface Network {
  readonly vocab: number;
  readonly maskId: number;
  /** An empty cache for a sequence of `capacity` positions with this block layout. */
  cache(capacity: number, layout: Layout): KvCache;
  /**
   * One network call: logits [tokens.length, vocab] for positions start … start + tokens.length − 1,
   * whose ids are `tokens`. Their K and V go into `cache` at those rows; positions before `start`
   * are read from `cache`, as an earlier call left them.
   */
  forward(tokens: readonly number[], start: number, cache: KvCache): Promise<Tensor>;
}

/** The weights, from seeded normals (reference.ts draws the same ones). */
export function weights(seed: number) {
  const scaled = (shape: number[], s: number, scale: number) =>
    tensors.from(
      shape,
      tensors.randn(shape, s).data.map((x) => x * scale)
    );
  return {
    emb: tensors.randn([VOCAB + 1, D], seed),
    pos: tensors.randn([MAX_POSITIONS, D], seed + 1),
    // Per layer, [6, d, d]: Wq, Wk, Wv, Wo, W1, W2, each [in, out].
    layers: Array.from({ length: LAYERS }, (_, l) => scaled([6, D, D], seed + 2 + l, 1 / Math.sqrt(D))),
    wout: scaled([D, VOCAB], seed + 2 + LAYERS, 1 / Math.sqrt(D))
  };
}

export function createNetwork(seed = 7): Network {
  return backend === 'webgpu' ? gpuNetwork(seed) : onnxNetwork(seed);
}

/** One past the last position that position `at` may see. */
export function blockEnd(at: number, { promptLength, blockLength }: Layout): number {
  if (at < promptLength) return promptLength;
  return promptLength + (Math.floor((at - promptLength) / blockLength) + 1) * blockLength;
}

function checkCall(tokens: readonly number[], start: number, cache: KvCache) {
  if (tokens.length === 0 || start < 0 || start + tokens.length > cache.capacity) {
    throw new Error(`forward: positions ${start}…${start + tokens.length - 1} do not fit a cache of ${cache.capacity}`);
  }
}

function gpuNetwork(seed: number): Network {
  const w = weights(seed);
  const emb = gpu.input(w.emb, 'E');
  const pos = gpu.input(w.pos, 'P');
  const layers = w.layers.map((t, l) => gpu.input(t, `layer ${l} weights`));
  const wout = gpu.input(w.wout, 'Wout');
  return {
    vocab: VOCAB,
    maskId: MASK_ID,
    cache(capacity, layout) {
      if (capacity > MAX_POSITIONS) throw new Error(`at most ${MAX_POSITIONS} positions`);
      const rows = (name: string) =>
        Array.from({ length: LAYERS }, (_, l) => gpu.scratch(capacity * D, `${name} ${l}`));
      return { capacity, layout, k: rows('K cache'), v: rows('V cache') };
    },
    async forward(tokens, start, cache) {
      checkCall(tokens, start, cache);
      const n = tokens.length;
      const { promptLength, blockLength } = cache.layout;
      const params = (last: number) =>
        gpu.uniform(
          {
            n: ['u32', n],
            start: ['u32', start],
            prompt: ['u32', promptLength],
            block: ['u32', blockLength],
            vocab: ['u32', VOCAB],
            d: ['u32', D],
            last: ['u32', last]
          },
          last ? 'params (last layer)' : 'params'
        );
      const [mid, last] = [params(0), params(1)];
      const h = gpu.scratch(n * D, 'h');
      const ids = gpu.input(tensors.from([n], tokens), 'tokens');
      const logits = gpu.output([n, VOCAB], 'logits');
      await gpu.dispatch({
        code: embedShader,
        file: 'embed.wgsl',
        entryPoint: 'embed',
        bindings: [ids, emb, pos, h, mid],
        workgroups: [Math.ceil(n / 64)]
      });
      for (let l = 0; l < LAYERS; l++) {
        const [k, v] = [cache.k[l] as GpuBuffer, cache.v[l] as GpuBuffer];
        await gpu.dispatch({
          code: kvShader,
          file: 'kv.wgsl',
          entryPoint: 'kv',
          bindings: [layers[l], h, k, v, mid],
          workgroups: [n]
        });
        await gpu.dispatch({
          code: rowShader,
          file: 'row.wgsl',
          entryPoint: 'row',
          bindings: [layers[l], k, v, wout, h, logits, l === LAYERS - 1 ? last : mid],
          workgroups: [n]
        });
      }
      const out = await gpu.read(logits);
      for (const b of [mid, last, h, ids, logits]) gpu.release(b); // the cache and weights stay
      return out;
    }
  };
}

/** Cached rows handed to onnxruntime: the next power of two (at least 16), so sessions are reused. */
const padded = (rows: number) => (rows === 0 ? 0 : Math.max(16, 2 ** Math.ceil(Math.log2(rows))));

function onnxNetwork(seed: number): Network {
  const w = weights(seed);
  // The weight matrices are graph inputs, made once: a call's model bytes stay small.
  const matrices = w.layers.map((t) =>
    Array.from({ length: 6 }, (_, m) => tensors.from([D, D], t.data.subarray(m * D * D, (m + 1) * D * D)))
  );
  return {
    vocab: VOCAB,
    maskId: MASK_ID,
    cache(capacity, layout) {
      if (capacity > MAX_POSITIONS) throw new Error(`at most ${MAX_POSITIONS} positions`);
      const rows = () => Array.from({ length: LAYERS }, () => tensors.zeros([capacity, D]).data);
      return { capacity, layout, k: rows(), v: rows() };
    },
    async forward(tokens, start, cache) {
      checkCall(tokens, start, cache);
      const n = tokens.length;
      const past = padded(start);
      // The embedding is a gather: done here, the graph starts from h0.
      const h0 = new Float32Array(n * D);
      tokens.forEach((token, i) => {
        for (let c = 0; c < D; c++) h0[i * D + c] = w.emb.data[token * D + c] + w.pos.data[(start + i) * D + c];
      });
      // Additive masks: 0 where query start + i may see the key, −1e9 where not (or padding).
      const seen = (i: number) => blockEnd(start + i, cache.layout);
      const biasPast = new Float32Array(n * past).map((_, x) => (x % past < start ? 0 : -1e9));
      const biasNew = new Float32Array(n * n).map((_, x) => (start + (x % n) < seen(Math.floor(x / n)) ? 0 : -1e9));

      const g = onnx.graph();
      let h = g.input('h0', [n, D]);
      const bNew = g.input('biasNew', [n, n]);
      const bPast = past ? g.input('biasPast', [n, past]) : null;
      const zero = g.constant(0);
      const scale = g.constant(1 / Math.sqrt(D));
      const kv: Value[] = [];
      const feeds: Record<string, Tensor> = {
        h0: tensors.from([n, D], h0),
        biasNew: tensors.from([n, n], biasNew),
        wout: w.wout
      };
      const perCall = [feeds.h0, feeds.biasNew];
      if (bPast) perCall.push((feeds.biasPast = tensors.from([n, past], biasPast)));
      for (let l = 0; l < LAYERS; l++) {
        const W = (m: number) => {
          feeds[`w${l}_${m}`] = matrices[l][m];
          return g.input(`w${l}_${m}`, [D, D]);
        };
        const [q, k, v] = [g.matmul(h, W(0)), g.matmul(h, W(1)), g.matmul(h, W(2))];
        kv.push(k, v);
        // Softmax over [cached keys | new keys] in two parts (the graph has no Concat).
        const sNew = g.add(g.mul(g.matmul(q, g.transpose(k)), scale), bNew);
        let top = g.reduceMax(sNew, 1);
        let sPast: Value | null = null;
        let vPast: Value | null = null;
        if (bPast) {
          const kPast = g.input(`kPast${l}`, [past, D]);
          vPast = g.input(`vPast${l}`, [past, D]);
          sPast = g.add(g.mul(g.matmul(q, g.transpose(kPast)), scale), bPast);
          const mPast = g.reduceMax(sPast, 1);
          top = g.where(g.less(top, mPast), mPast, top);
          for (const [name, store] of [
            [`kPast${l}`, cache.k[l]],
            [`vPast${l}`, cache.v[l]]
          ] as const) {
            const rows = new Float32Array(past * D);
            rows.set((store as Float32Array).subarray(0, start * D));
            feeds[name] = tensors.from([past, D], rows);
            perCall.push(feeds[name]);
          }
        }
        const eNew = g.exp(g.sub(sNew, top));
        let num = g.matmul(eNew, v);
        let den = g.reduceSum(eNew, 1);
        if (sPast && vPast) {
          const ePast = g.exp(g.sub(sPast, top));
          num = g.add(num, g.matmul(ePast, vPast));
          den = g.add(den, g.reduceSum(ePast, 1));
        }
        h = g.add(h, g.matmul(g.div(num, den), W(3)));
        const hidden = g.matmul(h, W(4));
        h = g.add(h, g.matmul(g.where(g.less(hidden, zero), zero, hidden), W(5)));
      }
      const logits = g.matmul(h, g.input('wout', [D, VOCAB]));
      g.output(logits);
      kv.forEach((x) => g.output(x));
      const out = await onnx.run(g, feeds);
      perCall.forEach((t) => tensors.free(t));
      for (let l = 0; l < LAYERS; l++) {
        (cache.k[l] as Float32Array).set(out[kv[2 * l].name].data, start * D);
        (cache.v[l] as Float32Array).set(out[kv[2 * l + 1].name].data, start * D);
      }
      return out[logits.name];
    }
  };
}
