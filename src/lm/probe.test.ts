import { test } from 'vitest';
import { buildFixtureRepo } from './fixtures/repos';
import { referenceForward } from './reference/forward';
test('probe', async () => {
  const ort = await import('onnxruntime-web/webgpu');
  ort.env.wasm.wasmPaths = process.cwd() + '/node_modules/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = 1;
  for (const name of ['tiny-gpt2', 'tiny-gpt2-fused', 'tiny-llama', 'tiny-llama-fused']) {
    const f = buildFixtureRepo(name);
    const s = await ort.InferenceSession.create(f.files.get('onnx/model.onnx')!, { executionProviders: ['wasm'] });
    const n = 5; const toks = [10, 20, 30, 40, 50];
    const feeds: Record<string, any> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(toks.map(BigInt)), [1, n]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(toks.map(() => 1n)), [1, n]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(toks.map((_, i) => BigInt(i))), [1, n]),
    };
    for (let l = 0; l < 2; l++) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, f.spec.nKvHeads, 0, 12]);
    const out = await s.run(feeds);
    const ref = referenceForward(f.spec, f.weights, toks);
    const got = out.logits.data as Float32Array;
    let maxd = 0; for (let i = 0; i < got.length; i++) maxd = Math.max(maxd, Math.abs(got[i] - ref.logits[i]));
    console.log(name, f.files.get('onnx/model.onnx')!.length, 'maxdiff', maxd, got.slice(0, 3), ref.logits.slice(0, 3));
  }
});
