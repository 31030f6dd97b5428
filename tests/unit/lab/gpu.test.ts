import { describe, expect, test } from 'vitest';
import { declaredBindings } from '$lib/runtime/lab/gpu';

describe('declared WGSL bindings', () => {
  test('read, read_write and uniform buffers, in binding order, used or not', () => {
    const code = `
      @group(0) @binding(1) var<storage, read_write> o: array<f32>;
      @group(0) @binding(0) var<storage, read> q: array<f32>;
      // @group(0) @binding(3) var<storage, read> commented: array<f32>;
      @binding(2) @group(0) var<uniform> p: Params;
    `;
    expect(declaredBindings(code)).toEqual(['read-only-storage', 'storage', 'uniform']);
    expect(declaredBindings('@group(0) @binding(0) var<storage> x: array<f32>;')).toEqual(['read-only-storage']);
  });

  test('a gap in the numbering, or no buffers, falls back to the automatic layout', () => {
    expect(declaredBindings('@group(0) @binding(1) var<storage, read> x: array<f32>;')).toBeNull();
    expect(declaredBindings('@compute @workgroup_size(1) fn main() {}')).toBeNull();
  });
});
