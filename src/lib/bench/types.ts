/** What a sweep reports for one sequence length, as it streams to the charts. */
export type PointStatus = 'measured' | 'skipped-limit' | 'skipped-time' | 'error';

/**
 * Which clock produced a time: GPU timestamps (the kernels alone); 'ort-run', the wall clock less
 * the message hops to onnxruntime's worker; or the wall clock around the work.
 */
export type TimerKind = 'gpu-timestamp' | 'ort-run' | 'wall';

export interface SweepPoint {
  series: string;
  n: number;
  status: PointStatus;
  /** Median and spread of the repeats, in milliseconds (measured points only). */
  medianMs?: number;
  p25Ms?: number;
  p75Ms?: number;
  samplesMs?: number[];
  timer?: TimerKind;
  /** Peak live bytes allocated through the lab during one repeat. */
  peakBytes?: number;
  /** Why a point was skipped or failed. */
  reason?: string;
}

export interface DeviceLimits {
  /** Largest single buffer the backend can bind (bytes). */
  maxBindingBytes: number;
  /** Memory budget for everything a point allocates (bytes). */
  maxTotalBytes: number;
  /** Where the limits come from, for the skip reason ("maxStorageBufferBindingSize"). */
  bindingLimitName: string;
  totalLimitName: string;
}
