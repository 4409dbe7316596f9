// Finds a Vulkan ICD and loader so Dawn (the `webgpu` npm package) gets a software
// adapter (SwiftShader, shipped with Debian's chromium) in Node; used by tests and benches.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

const ICD_CANDIDATES = [
  process.env.VK_ICD_FILENAMES,
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
].filter(Boolean);

/**
 * Environment for a child process that needs a WebGPU adapter in Node. Keeps a real
 * GPU's ICD when one is configured; otherwise points at SwiftShader and its loader.
 * Throws with what to install when nothing is found.
 */
export function gpuEnv(base = process.env) {
  const icd = ICD_CANDIDATES.find((p) => existsSync(p));
  if (!icd) {
    throw new Error(
      'No Vulkan ICD for WebGPU in Node: install Debian\'s chromium (apt-get install -y chromium), ' +
        'which ships SwiftShader at /usr/lib/chromium/vk_swiftshader_icd.json, or set VK_ICD_FILENAMES.',
    );
  }
  const dir = dirname(icd);
  const ld = [existsSync(`${dir}/libvulkan.so.1`) ? dir : '', base.LD_LIBRARY_PATH ?? '']
    .filter(Boolean)
    .join(':');
  return { ...base, VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: ld };
}
