/**
 * Lesson 10: NSA, Native Sparse Attention, for one head. `nsa(q, k, v, g, config)` returns
 * o: [T, dv] for the queries q: [T, d] at positions N − T … N − 1 of the N keys k: [N, d], v: [N, dv]
 * (T = N: prefill; T = 1: one decode step), with gates g: [T, 3] (compressed, selected, window).
 * - WebGPU: nsa.wgsl, one invocation per query (one dispatch per 256 queries): the three
 *   branches and their gates. The compressed keys and values (block means, from `compress`
 *   below) go to the GPU side by side, as kvc.
 * - WASM: per block of 256 queries, one ONNX graph runs the compressed branch and returns its
 *   probabilities; selectBlocks (select.ts) picks each query's blocks; a second graph attends to
 *   the keys gathered for each query: its selected blocks and its window, never all N.
 * Cost per query: ⌊(i + 1 − l)/d⌋ + 1 compressed rows, ≤ n·l' selected keys and ≤ w window keys.
 */
import { backend, gpu, onnx, tensors, type Graph, type Tensor, type Value } from 'lab';
import { mix, selectBlocks, visibleCompressed, windowKeys } from './select';
import shader from './nsa.wgsl';

export { mix, selectBlocks, visibleCompressed, windowKeys } from './select';

/** NSA's shape: compression block l and stride d, selection block l' and count n, window w. */
export interface NsaConfig {
  /** l, keys per compressed block. */
  cmpBlock: number;
  /** d, the stride between compressed blocks. */
  stride: number;
  /** l', keys per selection block. */
  selBlock: number;
  /** n, selection blocks per query, the initial and the two local ones included. */
  topn: number;
  /** w, keys in the sliding window, the query's own included. */
  window: number;
}

/** NSA attention, causal, gated: q: [T, d], k: [N, d], v: [N, dv], g: [T, 3] → o: [T, dv]. */
export async function nsa(q: Tensor, k: Tensor, v: Tensor, g: Tensor, config: NsaConfig): Promise<Tensor> {
  return backend === 'webgpu' ? nsaWebGpu(q, k, v, g, config) : nsaOnnx(q, k, v, g, config);
}

/** Compression φ: the mean of keys jd … jd + l − 1 for each block j (the paper learns an MLP here). */
export function compress(x: Tensor, { cmpBlock, stride }: NsaConfig): Tensor {
  const [n, width] = x.shape;
  const blocks = n < cmpBlock ? 0 : Math.floor((n - cmpBlock) / stride) + 1;
  const out = new Float32Array(blocks * width);
  for (let j = 0; j < blocks; j++) {
    for (let r = j * stride; r < j * stride + cmpBlock; r++) {
      for (let e = 0; e < width; e++) out[j * width + e] += x.data[r * width + e] / cmpBlock;
    }
  }
  return tensors.from([blocks, width], out);
}

/** Compressed keys and values side by side, one row of d + dv per block (at least one row). */
function sideBySide(kc: Tensor, vc: Tensor): Tensor {
  const [blocks, d] = kc.shape;
  const dv = vc.shape[1];
  const out = new Float32Array(Math.max(1, blocks) * (d + dv));
  for (let j = 0; j < blocks; j++) {
    out.set(kc.data.subarray(j * d, (j + 1) * d), j * (d + dv));
    out.set(vc.data.subarray(j * dv, (j + 1) * dv), j * (d + dv) + d);
  }
  return tensors.from([Math.max(1, blocks), d + dv], out);
}

async function nsaWebGpu(q: Tensor, k: Tensor, v: Tensor, g: Tensor, c: NsaConfig): Promise<Tensor> {
  const [t, d] = q.shape;
  const [n, dv] = [k.shape[0], v.shape[1]];
  if (d % 4 !== 0 || dv % 4 !== 0) throw new Error(`nsa.wgsl reads rows as vec4s: d = ${d}, dv = ${dv}`);
  const [kc, vc] = [compress(k, c), compress(v, c)];
  const blocks = Math.max(1, kc.shape[0]); // a buffer may not be empty
  const code = shader
    .replace(/const D: u32 = \d+u;/, `const D: u32 = ${d}u;`)
    .replace(/const DV: u32 = \d+u;/, `const DV: u32 = ${dv}u;`)
    .replace(/const TOPN: u32 = \d+u;/, `const TOPN: u32 = ${c.topn}u;`);
  const o = gpu.output([t, dv], 'o');
  const [qb, kb, vb, kvcb, gb] = [
    gpu.input(q, 'q'),
    gpu.input(k, 'k'),
    gpu.input(v, 'v'),
    gpu.input(sideBySide(kc, vc), 'kvc'),
    gpu.input(g, 'g')
  ];
  // The compressed scores of ROWS queries at a time wait in pcmp: one dispatch per ROWS queries.
  const pcmp = gpu.scratch(Math.min(t, ROWS) * blocks, 'pcmp');
  for (let r0 = 0; r0 < t; r0 += ROWS) {
    const rows = Math.min(ROWS, t - r0);
    const params = {
      n: ['u32', n],
      t: ['u32', t],
      r0: ['u32', r0],
      rows: ['u32', rows],
      blocks: ['u32', blocks],
      cmpBlock: ['u32', c.cmpBlock],
      stride: ['u32', c.stride],
      selBlock: ['u32', c.selBlock],
      window: ['u32', c.window],
      scale: ['f32', 1 / Math.sqrt(d)]
    } as const;
    await gpu.dispatch({
      code,
      file: 'nsa.wgsl',
      bindings: [qb, kb, vb, kvcb, gb, pcmp, o, gpu.uniform(params, 'params')],
      workgroups: [Math.ceil(rows / 64)] // one invocation per query row
    });
  }
  return gpu.read(o);
}

/** Query rows per dispatch (WebGPU) and per graph call (WASM). */
const ROWS = 256;

/** Key position of a gathered slot that holds no key: masked like a future key. */
const EMPTY = 3e38;
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, x) => from + x);

async function nsaOnnx(q: Tensor, k: Tensor, v: Tensor, g: Tensor, c: NsaConfig): Promise<Tensor> {
  const [t, d] = q.shape;
  const [n, dv] = [k.shape[0], v.shape[1]];
  const first = n - t; // position of the first query
  const [kc, vc] = [compress(k, c), compress(v, c)];
  const blocks = kc.shape[0];
  const oCmp = new Float32Array(t * dv);
  const oSlc = new Float32Array(t * dv);
  const oSwa = new Float32Array(t * dv);
  for (let r0 = 0; r0 < t; r0 += ROWS) {
    const rows = Math.min(ROWS, t - r0);
    const qRows = { shape: [rows, d], data: q.data.slice(r0 * d, (r0 + rows) * d) };
    // Compressed branch: probabilities p [rows, blocks] over the visible blocks, and o_cmp.
    let p: Float32Array = new Float32Array(rows * blocks);
    if (blocks > 0) {
      const visible = new Float32Array(rows * blocks);
      for (let r = 0; r < rows; r++) visible.fill(1, r * blocks, r * blocks + visibleCompressed(first + r0 + r, c));
      const cg = compressedGraph(rows, blocks, d, dv);
      const out = await onnx.run(cg.graph, { q: qRows, kc, vc, visible: { shape: [rows, blocks], data: visible } });
      p = out[cg.p.name].data;
      oCmp.set(out[cg.o.name].data, r0 * dv);
    }
    // Selected and window branches, over each query's gathered keys.
    const sel: number[][] = [];
    const win: number[][] = [];
    for (let r = 0; r < rows; r++) {
      const i = first + r0 + r;
      const kept = selectBlocks(p.subarray(r * blocks, (r + 1) * blocks), i, c);
      sel.push(kept.flatMap((b) => range(b * c.selBlock, Math.min(i + 1, (b + 1) * c.selBlock))));
      win.push(range(...windowKeys(i, c.window)));
    }
    const gs = gather(k, v, sel);
    const gw = gather(k, v, win);
    const ag = branchGraph(rows, gs.width, gw.width, d, dv);
    const out = await onnx.run(ag.graph, {
      q: { shape: [rows, 1, d], data: qRows.data },
      qpos: { shape: [rows, 1, 1], data: Float32Array.from(range(first + r0, first + r0 + rows)) },
      ks: { shape: [rows, gs.width, d], data: gs.k },
      vs: { shape: [rows, gs.width, dv], data: gs.v },
      spos: { shape: [rows, 1, gs.width], data: gs.pos },
      kw: { shape: [rows, gw.width, d], data: gw.k },
      vw: { shape: [rows, gw.width, dv], data: gw.v },
      wpos: { shape: [rows, 1, gw.width], data: gw.pos }
    });
    oSlc.set(out[ag.slc.name].data, r0 * dv);
    oSwa.set(out[ag.swa.name].data, r0 * dv);
  }
  return tensors.from([t, dv], mix(oCmp, oSlc, oSwa, g.data, dv));
}

/** Each row's keys and values side by side, padded to the longest row with EMPTY positions. */
function gather(k: Tensor, v: Tensor, keys: number[][]) {
  const [d, dv] = [k.shape[1], v.shape[1]];
  const width = Math.max(1, ...keys.map((x) => x.length));
  const kg = new Float32Array(keys.length * width * d);
  const vg = new Float32Array(keys.length * width * dv);
  const pos = new Float32Array(keys.length * width).fill(EMPTY);
  keys.forEach((row, r) =>
    row.forEach((j, s) => {
      const at = r * width + s;
      kg.set(k.data.subarray(j * d, (j + 1) * d), at * d);
      vg.set(v.data.subarray(j * dv, (j + 1) * dv), at * dv);
      pos[at] = j;
    })
  );
  return { width, k: kg, v: vg, pos };
}

const graphs = new Map<string, { graph: Graph; p: Value; o: Value; slc: Value; swa: Value }>();

/** Compressed attention: softmax over the visible compressed blocks (none visible: p = 0, o = 0). */
function compressedGraph(t: number, blocks: number, d: number, dv: number) {
  const key = `cmp:${t}:${blocks}:${d}:${dv}`;
  const hit = graphs.get(key);
  if (hit) return hit;
  const g = onnx.graph();
  const visible = g.input('visible', [t, blocks]);
  const s = g.mul(
    g.matmul(g.input('q', [t, d]), g.transpose(g.input('kc', [blocks, d]))),
    g.constant(1 / Math.sqrt(d))
  );
  const masked = g.where(g.less(visible, g.constant(0.5)), g.constant(-1e30), s);
  const e = g.mul(g.exp(g.sub(masked, g.reduceMax(masked, 1))), visible);
  const p = g.div(e, g.add(g.reduceSum(e, 1), g.constant(1e-30)));
  const o = g.matmul(p, g.input('vc', [blocks, dv]));
  g.output(p);
  g.output(o);
  const entry = { graph: g, p, o, slc: o, swa: o };
  graphs.set(key, entry);
  return entry;
}

/** Selected and window branches: causal softmax attention of each row over its own gathered keys. */
function branchGraph(rows: number, ws: number, ww: number, d: number, dv: number) {
  const key = `branch:${rows}:${ws}:${ww}:${d}:${dv}`;
  const hit = graphs.get(key);
  if (hit) return hit;
  const g = onnx.graph();
  const q = g.input('q', [rows, 1, d]);
  const qpos = g.input('qpos', [rows, 1, 1]);
  const attend = (kn: string, vn: string, pn: string, width: number) => {
    const s = g.mul(g.matmul(q, g.transpose(g.input(kn, [rows, width, d]), [0, 2, 1])), g.constant(1 / Math.sqrt(d)));
    const masked = g.where(g.less(qpos, g.input(pn, [rows, 1, width])), g.constant(-1e30), s);
    return g.matmul(g.softmax(masked, 2), g.input(vn, [rows, width, dv]));
  };
  const slc = attend('ks', 'vs', 'spos', ws);
  const swa = attend('kw', 'vw', 'wpos', ww);
  g.output(slc);
  g.output(swa);
  const entry = { graph: g, p: slc, o: slc, slc, swa };
  graphs.set(key, entry);
  return entry;
}
