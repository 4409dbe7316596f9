// Runs a command with the WebGPU-in-Node environment from gpu-env.mjs: `node scripts/with-gpu.mjs cmd args…`.
import { spawnSync } from 'node:child_process';
import { gpuEnv } from './gpu-env.mjs';

const [cmd, ...args] = process.argv.slice(2);
let env;
try {
  env = gpuEnv();
} catch (e) {
  console.error(String(e instanceof Error ? e.message : e));
  process.exit(2);
}
const r = spawnSync(cmd, args, { stdio: 'inherit', env, shell: false });
process.exit(r.status ?? 1);
