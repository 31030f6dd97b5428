/**
 * The probe recorder: while a check's probe runs, the lab appends to its record every buffer and
 * tensor made, every dispatch (with read counts from an instrumented shader) and every ONNX graph
 * run. The record lives in the lab's closure and reaches only the harness (`ctx.probe`), never
 * the learner's modules.
 */
import type { ProbeRecord } from '$lib/lessons/types';
import { apiError } from './errors';

export interface ProbeRecorder {
  /** The record being written, or null when no probe is running. */
  active(): ProbeRecord | null;
  probe<R>(fn: () => Promise<R> | R): Promise<{ result: R; record: ProbeRecord }>;
}

export function createProbeRecorder(): ProbeRecorder {
  let active: ProbeRecord | null = null;
  return {
    active: () => active,
    async probe<R>(fn: () => Promise<R> | R) {
      if (active) throw apiError('a probe is already running: probes do not nest');
      const record: ProbeRecord = { allocations: [], dispatches: [], graphs: [] };
      active = record;
      try {
        const result = await fn();
        return { result, record };
      } finally {
        active = null;
      }
    }
  };
}
