// A model's memory estimate in one line (weights, KV cache, activations at a batch and context,
// the largest tensor against the device's binding limit), with the problem when it does not fit.
import { Show } from 'solid-js';
import { memoryProblem, type ModelMemoryEstimate } from '../../lm/memory';
import { formatBytes } from '../../storage/persistence';

export function MemoryEstimate(props: { estimate: ModelMemoryEstimate; batch: number; context: number }) {
  const binding = () => props.estimate.checks.find((c) => c.limit === 'maxStorageBufferBindingSize');
  return (
    <div class="memory" classList={{ over: !props.estimate.fits }} data-testid="model-memory" data-fits={props.estimate.fits ? 'true' : 'false'}>
      Memory ≈ <b>{formatBytes(props.estimate.totalBytes)}</b> at batch {props.batch} × context {props.context}: weights {formatBytes(props.estimate.weightBytes)}, KV cache{' '}
      {formatBytes(props.estimate.kvCacheBytes)}, activations {formatBytes(props.estimate.activationBytes)}; largest tensor {formatBytes(props.estimate.largestTensorBytes)}
      <Show when={binding()} fallback=" (no WebGPU limits: checked against the WASM heap only)">
        {(b) => <> of {formatBytes(b().allowed)} allowed per binding</>}
      </Show>
      .
      <Show when={memoryProblem(props.estimate, formatBytes)}>
        {(p) => (
          <div class="field-error" data-testid="model-memory-problem">
            {p()}
          </div>
        )}
      </Show>
    </div>
  );
}
