/** This page's capabilities, detected once and shared by the badge and the workbench. */
import { type Capabilities, detect } from '$lib/runtime/capabilities';

export const capabilities = $state<{ value: Capabilities | null }>({ value: null });

let started = false;

export function ensureCapabilities(): void {
  if (started) return;
  started = true;
  void detect().then((c) => (capabilities.value = c));
}
