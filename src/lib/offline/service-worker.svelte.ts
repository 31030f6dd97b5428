/**
 * The page's side of offline use: registers the service worker (built by vite-plugin-pwa, see
 * vite.config.ts), says when a new version is waiting, and fetches the large files that are not
 * precached ("Make available offline"), which the service worker then keeps. A waiting version is
 * applied only when the learner asks and no run is in progress: code never changes under a run.
 */
import { registerSW } from 'virtual:pwa-register';
import { anyRunning } from '$lib/components/run-session.svelte';

export interface OfflineAsset {
  url: string;
  bytes: number;
}

class OfflineState {
  /** A new version is installed and waiting. */
  updateWaiting = $state(false);
  /** The precache is complete: pages and code load without the network. */
  precached = $state(false);
  /** The large files, once their list is read. */
  assets = $state<OfflineAsset[] | null>(null);
  /** Bytes fetched so far by "Make available offline", or null when not running. */
  fetched = $state<number | null>(null);
  done = $state(false);
  error = $state<string | null>(null);
  supported = $state(false);
  #update: ((reload?: boolean) => Promise<void>) | null = null;
  #base = '';

  get total(): number {
    return (this.assets ?? []).reduce((sum, a) => sum + a.bytes, 0);
  }

  /** Call once, in the browser. `base` is the site's base path ('' at the root). */
  start(base: string): void {
    this.#base = base;
    this.supported = 'serviceWorker' in navigator;
    if (!this.supported || import.meta.env.DEV) return;
    this.#update = registerSW({
      immediate: true,
      onNeedRefresh: () => (this.updateWaiting = true),
      onOfflineReady: () => (this.precached = true),
      onRegisteredSW: (_url, registration) => {
        if (registration?.active && navigator.serviceWorker.controller) this.precached = true;
      },
      // No service worker (blocked by the browser or its settings): the site works online only.
      onRegisterError: () => (this.supported = false)
    });
    void this.#readList();
  }

  async #readList(): Promise<void> {
    try {
      const response = await fetch(`${this.#base}/_app/offline-assets.json`);
      if (response.ok) this.assets = (await response.json()) as OfflineAsset[];
    } catch {
      this.assets = null;
    }
  }

  /** Fetches every large file once; the service worker keeps each as it passes. */
  async makeAvailable(): Promise<void> {
    if (!this.assets || this.fetched !== null) return;
    this.error = null;
    this.fetched = 0;
    try {
      for (const a of this.assets) {
        const response = await fetch(`${this.#base}/${a.url}`);
        if (!response.ok) throw new Error(`${a.url}: HTTP ${response.status}`);
        await response.arrayBuffer();
        this.fetched += a.bytes;
      }
      this.done = true;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.fetched = null;
    }
  }

  /** Applies the waiting version (reloads the page), unless a run is in progress. */
  applyUpdate(): void {
    if (anyRunning() || !this.#update) return;
    void this.#update(true);
  }
}

export const offline = new OfflineState();
