/** WebGPU specifics (the webgpu project only): a WGSL compile error comes back located in the .wgsl file. */
import { expect, test } from '@playwright/test';
import { seedCode, waitForBadge, waitIdle, watchErrors } from './helpers';

test('a WGSL error names the file and line', async ({ page }) => {
  watchErrors(page);
  const { readFileSync } = await import('node:fs');
  const dir = 'lessons/01-attention/solution';
  const wgsl = readFileSync(`${dir}/attention.wgsl`, 'utf8').replace('s *= p.scale;', 's *= p.scael;');
  const line = wgsl.split('\n').findIndex((l) => l.includes('p.scael')) + 1;
  await seedCode(page, '01-attention', { 'attention.wgsl': wgsl, 'main.ts': readFileSync(`${dir}/main.ts`, 'utf8') });
  await page.goto('/lessons/01-attention');
  await waitForBadge(page);
  await page.getByTestId('check').click();
  await waitIdle(page);
  await expect(page.getByTestId('errors')).toContainText(`attention.wgsl:${line}`);
  await expect(page.getByTestId('check-result')).toHaveAttribute('data-status', 'fail');
});
