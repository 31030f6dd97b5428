/**
 * Lesson 19: load balancing for a top-1 (Switch) router. The router's logits for a whole batch
 * come from a real kernel on either backend; what is done with them (the losses, the routing,
 * the bias update) is in balance.ts, the file to edit.
 * - WebGPU: router.wgsl, one invocation per (token, expert): T·E dot products of length d.
 * - WASM: a one-node ONNX graph, MatMul(x, w).
 * Cost per step: T·E·d multiply-adds for the logits, then O(T·E) in balance.ts.
 */
import { backend, gpu, onnx, type Graph, type Tensor, type Value } from 'lab';
import shader from './router.wgsl';

export { auxLoss, route, updateBias, zLoss, type Routing } from './balance';

/** The router's logits for every token of the batch: x: [T, d] · w: [d, E] → [T, E]. */
export async function routerLogits(x: Tensor, w: Tensor): Promise<Tensor> {
  return backend === 'webgpu' ? logitsWebGpu(x, w) : logitsOnnx(x, w);
}

async function logitsWebGpu(x: Tensor, w: Tensor): Promise<Tensor> {
  const [tokens, dim] = x.shape;
  const experts = w.shape[1];
  const logits = gpu.output([tokens, experts], 'logits');
  const bindings = [
    gpu.input(x, 'x'),
    gpu.input(w, 'w'),
    logits,
    gpu.uniform({ tokens: ['u32', tokens], dim: ['u32', dim], experts: ['u32', experts] }, 'params')
  ];
  // One invocation per (token, expert).
  await gpu.dispatch({ code: shader, file: 'router.wgsl', bindings, workgroups: [Math.ceil((tokens * experts) / 64)] });
  const out = await gpu.read(logits);
  // A training run calls this every step: free the buffers now rather than at the end of the run.
  for (const b of bindings) gpu.release(b);
  return out;
}

const graphs = new Map<string, { graph: Graph; out: Value }>();

async function logitsOnnx(x: Tensor, w: Tensor): Promise<Tensor> {
  const [tokens, dim] = x.shape;
  const experts = w.shape[1];
  const key = `${tokens}:${dim}:${experts}`;
  let hit = graphs.get(key);
  if (!hit) {
    const g = onnx.graph();
    const out = g.matmul(g.input('x', [tokens, dim]), g.input('w', [dim, experts]));
    g.output(out);
    hit = { graph: g, out };
    graphs.set(key, hit);
  }
  return (await onnx.run(hit.graph, { x, w }))[hit.out.name];
}
