/** Headless Chromium for the scripts, with WebGPU (SwiftShader when there is no GPU) and no background traffic. */
import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';

export const executablePath =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

/** Flags for every headless run here: no background requests (the network is closed), no first-run UI. */
export const quietArgs = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic'
];

export function launch() {
  return chromium.launch({ executablePath, args: [...quietArgs, '--enable-unsafe-webgpu'] });
}
