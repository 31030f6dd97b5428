/** Each lesson's analytic memory model, by slug, for the charts' analytic curves and limit checks. */
import { memoryModules } from './sources';
import type { MemoryModel } from './types';

export const memoryModels: Record<string, MemoryModel> = Object.fromEntries(
  Object.entries(memoryModules).map(([path, m]) => [path.split('/')[2], (m as { memory: MemoryModel }).memory])
);
