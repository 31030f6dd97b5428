/**
 * Every device and memory limit the site sizes work against, in one place: the WASM backend's
 * memory budget, the WebGPU limits every device guarantees (runs ask for a device with default
 * limits, so these are the walls a lesson's learner meets on any GPU), and the limits a sweep
 * point is checked against before it runs. Lesson checks import the constants from here.
 */
import type { DeviceLimits } from '$lib/bench/types';
import type { Backend } from './backends';

const MiB = 1024 * 1024;

/** What the WASM backend may allocate for one sweep point; larger points are skipped with the reason. */
export const WASM_BUDGET_BYTES = 512 * MiB;

/** The device limits the lesson API exposes as `lab.gpu.limits`. */
export interface GpuLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupsPerDimension: number;
}

/**
 * WebGPU's default limits (the spec's guaranteed minimums) for the values the lessons size
 * kernels with. A device requested without `requiredLimits`, as the sandbox does, has exactly these.
 */
export const WEBGPU_DEFAULT_LIMITS = Object.freeze({
  maxStorageBufferBindingSize: 128 * MiB,
  maxBufferSize: 256 * MiB,
  maxComputeWorkgroupStorageSize: 16 * 1024,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBuffersPerShaderStage: 8
} as const);

/** `lab.gpu.limits` when the run has no WebGPU device: every size is 0. */
export const NO_GPU_LIMITS: GpuLimits = Object.freeze({
  maxStorageBufferBindingSize: 0,
  maxBufferSize: 0,
  maxComputeWorkgroupStorageSize: 0,
  maxComputeInvocationsPerWorkgroup: 0,
  maxComputeWorkgroupsPerDimension: 0
});

/** The limits of `lab.gpu.limits`, read from a device (or none). */
export function gpuLimits(device: GPUDevice | null): GpuLimits {
  if (!device) return NO_GPU_LIMITS;
  const l = device.limits;
  return Object.freeze({
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension
  });
}

/** What a sweep point is checked against on this backend before it runs. */
export function deviceLimits(env: {
  backend: Backend;
  device: GPUDevice | null;
  wasmBudgetBytes: number;
}): DeviceLimits {
  if (env.backend === 'webgpu' && env.device) {
    return {
      maxBindingBytes: env.device.limits.maxStorageBufferBindingSize,
      bindingLimitName: 'maxStorageBufferBindingSize',
      maxTotalBytes: env.device.limits.maxBufferSize * 4,
      totalLimitName: '4 × maxBufferSize'
    };
  }
  return {
    maxBindingBytes: env.wasmBudgetBytes,
    bindingLimitName: 'the WASM memory budget',
    maxTotalBytes: env.wasmBudgetBytes,
    totalLimitName: 'the WASM memory budget'
  };
}
