// `npm test`: every suite a fresh machine can run — unit (Node), GPU kernels (Dawn on
// SwiftShader), then the built app end-to-end in Chromium. Stops at the first red suite.
import { spawnSync } from 'node:child_process';
import { gpuEnv } from './gpu-env.mjs';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const steps = [
  ['unit tests (vitest, Node)', [npx, 'vitest', 'run', '--project', 'unit'], process.env],
  ['GPU kernel tests (vitest, Dawn)', [npx, 'vitest', 'run', '--project', 'gpu'], 'gpu'],
  ['build', [process.platform === 'win32' ? 'npm.cmd' : 'npm', 'run', 'build', '--silent'], process.env],
  ['end-to-end tests (Playwright, Chromium)', [npx, 'playwright', 'test'], process.env],
];

for (const [name, [cmd, ...args], envSpec] of steps) {
  console.log(`\n▶ ${name}`);
  let env = envSpec;
  if (envSpec === 'gpu') {
    try {
      env = gpuEnv();
    } catch (e) {
      console.error(e instanceof Error ? e.message : e);
      process.exit(2);
    }
  }
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`\n✗ ${name} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}
console.log('\n✓ all suites passed');
