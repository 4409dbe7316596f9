// Full-page notice shown once when WebGPU is unavailable, saying what still works.
import { createSignal, Show } from 'solid-js';
import { report, workerError, workerStatus } from '../state/gpu';

export function WebGpuNotice() {
  const [dismissed, setDismissed] = createSignal(false);
  const unavailable = () => workerStatus() === 'failed' || (workerStatus() === 'ready' && report()?.webgpu === false);
  const reason = () => report()?.reason ?? workerError() ?? 'WebGPU is not available.';
  return (
    <>
      <Show when={unavailable() && !dismissed()}>
        <div class="notice-page" role="dialog" aria-modal="true" aria-labelledby="webgpu-title" data-testid="webgpu-notice">
          <div class="notice-card">
            <h1 id="webgpu-title">WebGPU is unavailable</h1>
            <p>{reason()}</p>
            <p>Lantern trains sparse autoencoders with WebGPU compute shaders, so GPU jobs (training, the self-test) cannot run here.</p>
            <p>Still working without it:</p>
            <ul>
              <li>browsing and managing everything stored on this device (Storage page),</li>
              <li>exporting and importing your data,</li>
              <li>the job list and its history,</li>
              <li>system information.</li>
            </ul>
            <p class="muted">To enable it, use a recent Chromium-based browser with hardware acceleration on (check chrome://gpu).</p>
            <button class="btn btn-primary" onClick={() => setDismissed(true)}>
              Continue without WebGPU
            </button>
          </div>
        </div>
      </Show>
      <Show when={unavailable() && dismissed()}>
        <div class="banner banner-warn" role="status" data-testid="webgpu-banner">
          WebGPU is unavailable: GPU jobs are disabled. {reason()}
        </div>
      </Show>
    </>
  );
}
