/**
 * How much of a lesson's sweep a Run covers. "Quick" runs its three smallest sequence lengths,
 * once each: enough to see the curves start, in a few seconds on a slow laptop (and what the
 * end-to-end tests use). The choice is kept in this browser for every lesson.
 */
import type { SweepSettings } from '$lib/runtime/protocol';
import { progress } from '$lib/storage/progress';
import type { SweepSize } from '$lib/storage/schemas';

export type { SweepSize };

export const QUICK_LENGTHS = 3;

export function sweepFor(sweep: SweepSettings, size: SweepSize): SweepSettings {
  if (size === 'full') return sweep;
  return {
    ...sweep,
    n: sweep.n.slice(0, QUICK_LENGTHS),
    repeats: 1,
    // One warm-up keeps shader compilation out of the first point; a lesson that asks for none gets none.
    warmup: Math.min(sweep.warmup, 1)
  };
}

class SweepChoice {
  #loaded = false;
  #size = $state<SweepSize>('full');

  get size(): SweepSize {
    return this.#size;
  }

  set size(value: SweepSize) {
    this.#size = value;
    progress.saveSettings({ ...progress.settings(), sweep: value });
  }

  /** Read the saved choice (browser only: call from onMount). */
  load(): void {
    if (this.#loaded) return;
    this.#loaded = true;
    this.#size = progress.settings().sweep;
  }
}

export const sweepChoice = new SweepChoice();
