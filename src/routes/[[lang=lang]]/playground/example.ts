/**
 * Playground: anything the lesson API offers. This example times a WGSL kernel that scales a
 * vector (on WebGPU) or plain TypeScript (on WASM/CPU) over N, and prints one result.
 */
import { backend, gpu, log, sweep, tensors, type Tensor } from 'lab';

const shader = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x < arrayLength(&x)) { y[id.x] = 2.0 * x[id.x]; }
}`;

async function double(x: Tensor): Promise<Tensor> {
  if (backend === 'webgpu') {
    const y = gpu.output(x.shape, 'y');
    await gpu.dispatch({ code: shader, bindings: [gpu.input(x, 'x'), y], workgroups: [Math.ceil(x.data.length / 64)] });
    return gpu.read(y);
  }
  return tensors.from(
    x.shape,
    x.data.map((v) => 2 * v)
  );
}

export async function main() {
  const x = tensors.randn([4], 7);
  log('x =', x.data, '→ 2x =', (await double(x)).data);
  await sweep({
    label: 'double',
    n: [256, 1024, 4096, 16384, 65536],
    setup: (n) => tensors.randn([n], 1),
    run: (input) => double(input)
  });
}
