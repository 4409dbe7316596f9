// The Hub's ONNX layouts loaded from the local mirror: onnx-community's model.onnx with external
// data, Optimum/Xenova merged decoders (If on use_cache_branch), the older decoder_model +
// decoder_with_past_model pair and int8 variants; every hook point against the reference; a refused architecture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubMirror, type HubMirror, type MemoryRepos } from '../../scripts/hub-mirror';
import { expectClose } from '@/gpu/testing';
import { LmError } from './errors';
import { FIXTURE_ORG } from './fixtures/repos';
import { generateAll } from './generate';
import { listHooks } from './hooks';
import { decoderVariants, listOnnxVariants, loadModelFiles } from './hub';
import { openModel } from './model';
import { DataType, decodeModel, toNumber } from './onnx/proto';
import { referenceForward, referenceGreedy } from './reference/forward';
import { LmSession, ort } from './session';
import { inspectModel, reduceMergedDecoder } from './surgery';
import { fixture, useNodeWasm } from './testing';

const LAYOUTS = [
  { name: 'tiny-llama-external', path: 'onnx/model.onnx', data: ['model.onnx_data'], variants: ['fp32', 'int8'] },
  { name: 'tiny-gpt2-merged', path: 'onnx/decoder_model_merged.onnx', data: [], variants: ['fp32', 'q8'] },
  { name: 'tiny-llama-merged', path: 'onnx/decoder_model_merged.onnx', data: [], variants: ['fp32'] },
  { name: 'tiny-llama-split', path: 'onnx/decoder_with_past_model.onnx', data: [], variants: ['fp32'] },
];
const SEQS = [
  [3, 104, 101, 108, 108, 111, 32, 119, 111],
  [276, 65, 66, 67, 260, 270, 271, 120, 121],
];
const TOL = { atol: 1e-4, rtol: 0 };

let mirror: HubMirror;
const opts = () => ({ host: mirror.url, cache: null });

beforeAll(async () => {
  const repos: MemoryRepos = {};
  for (const { name } of LAYOUTS) repos[`${FIXTURE_ORG}/${name}`] = fixture(name).files;
  repos[`${FIXTURE_ORG}/tiny-gpt2-parallel`] = fixture('tiny-gpt2-parallel').files;
  mirror = await startHubMirror({ repos });
});

afterAll(() => mirror.close());

describe.each(LAYOUTS)('$name', ({ name, path, data, variants }) => {
  it(`lists ${path} as its fp32 decoder, loads it with its data, finds every hook and matches the reference`, async () => {
    const repo = `${FIXTURE_ORG}/${name}`;
    const listed = decoderVariants(await listOnnxVariants(repo, opts()));
    expect(listed.map((v) => v.dtype)).toEqual(variants);
    expect(listed[0].path).toBe(path);
    const files = await loadModelFiles(repo, opts());
    expect(files.onnxPath).toBe(path);
    expect(files.externalData.map((f) => f.path)).toEqual(data);
    const graph = inspectModel(files.onnx);
    expect(graph.nLayers).toBe(2);
    expect(graph.signature.inputs).not.toContain('use_cache_branch');
    expect(graph.signature.kv).toMatchObject({ nLayers: 2, dtype: 'float32' });
    useNodeWasm();
    const hooks = listHooks(2);
    const { session } = await openModel(files, { expose: hooks }, { backends: ['wasm'] });
    const out = await session.forward({ inputIds: SEQS.flat(), batch: SEQS.length });
    await session.release();
    const { spec, weights } = fixture(name);
    const seq = SEQS[0].length;
    for (let r = 0; r < SEQS.length; r++) {
      const ref = referenceForward(spec, weights, SEQS[r]);
      const rows = (h: string, width: number) => (out[h].data as Float32Array).subarray(r * seq * width, (r + 1) * seq * width);
      expectClose(rows('logits', spec.vocabSize), ref.logits, TOL);
      for (const h of hooks) expectClose(rows(h, spec.dModel), ref.hooks[h], TOL);
    }
  });
});

describe('merged decoder', () => {
  const bytes = () => fixture('tiny-llama-merged').files.get('onnx/decoder_model_merged.onnx')!;

  it('is shaped as optimum merge_decoders writes it: one If on use_cache_branch, shared _merged weights', () => {
    const { graph } = decodeModel(bytes());
    expect(graph.node.map((n) => [n.name, n.opType, n.input])).toEqual([['optimum::if', 'If', ['use_cache_branch']]]);
    expect(graph.input.at(-1)).toMatchObject({ name: 'use_cache_branch', type: { tensorType: { elemType: DataType.BOOL } } });
    expect(graph.initializer.every((t) => t.name.endsWith('_merged'))).toBe(true);
    const branch = (k: string) => graph.node[0].attribute.find((a) => a.name === k)!.g!;
    const readsCache = (k: string) => branch(k).node.some((n) => n.input.some((i) => i.startsWith('past_key_values.')));
    expect([readsCache('then_branch'), readsCache('else_branch')]).toEqual([true, false]);
    const casts = branch('else_branch').node.filter((n) => n.opType === 'Cast' && toNumber(n.attribute[0].i) === DataType.FLOAT);
    expect(casts.length).toBeGreaterThan(0);
  });

  it('runs both branches in ONNX Runtime as published, each giving the reference logits', async () => {
    useNodeWasm();
    const session = await ort.InferenceSession.create(bytes(), { executionProviders: ['wasm'] });
    const { spec, weights } = fixture('tiny-llama-merged');
    const ids = SEQS[0];
    const ref = referenceForward(spec, weights, ids);
    const int64 = (xs: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
    const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids), attention_mask: int64(ids.map(() => 1)), position_ids: int64(ids.map((_, i) => i)) };
    for (const n of session.inputNames) {
      if (n.startsWith('past_key_values.')) feeds[n] = new ort.Tensor('float32', new Float32Array(0), [1, spec.nKvHeads, 0, spec.dModel / spec.nHeads]);
    }
    for (const useCache of [false, true]) {
      const out = await session.run({ ...feeds, use_cache_branch: new ort.Tensor('bool', Uint8Array.of(useCache ? 1 : 0), [1]) });
      expectClose(out.logits.data as Float32Array, ref.logits, TOL);
    }
    await session.release();
  });

  it('reduces to its with-cache branch, which generates greedily as the reference does', async () => {
    const model = decodeModel(bytes());
    expect(reduceMergedDecoder(model.graph)).toBe(true);
    expect(model.graph.node.some((n) => n.opType === 'If')).toBe(false);
    expect(model.graph.input.map((i) => i.name)).not.toContain('use_cache_branch');
    expect(reduceMergedDecoder(model.graph)).toBe(false);
    useNodeWasm();
    const files = await loadModelFiles(`${FIXTURE_ORG}/tiny-llama-merged`, opts());
    const { session } = await openModel(files, {}, { backends: ['wasm'] });
    expect(session).toBeInstanceOf(LmSession);
    const { spec, weights } = fixture('tiny-llama-merged');
    const prompt = [276, 104, 101];
    expect(await generateAll(session, prompt, { maxNewTokens: 6, temperature: 0 })).toEqual(referenceGreedy(spec, weights, prompt, 6));
    await session.release();
  });
});

const QUANTIZED = [
  { name: 'tiny-gpt2-merged', dtype: 'q8', path: 'onnx/decoder_model_merged_quantized.onnx', data: [] },
  { name: 'tiny-llama-external', dtype: 'int8', path: 'onnx/model_int8.onnx', data: ['model_int8.onnx_data'] },
] as const;

describe.each(QUANTIZED)('quantized: $path', ({ name, dtype, path, data }) => {
  it('(ORT dynamic int8) loads with its data, finds every hook and stays near the fp32 reference', async () => {
    const files = await loadModelFiles(`${FIXTURE_ORG}/${name}`, { ...opts(), dtype });
    expect(files.onnxPath).toBe(path);
    expect(files.externalData.map((f) => f.path)).toEqual(data);
    const graph = decodeModel(files.onnx).graph;
    const ops = new Set([...graph.node, ...(graph.node[0].attribute[0]?.g?.node ?? [])].map((n) => n.opType));
    expect([ops.has('MatMulInteger'), ops.has('DynamicQuantizeLinear')]).toEqual([true, true]);
    useNodeWasm();
    const hooks = listHooks(2);
    const { session } = await openModel(files, { expose: hooks }, { backends: ['wasm'] });
    const out = await session.forward({ inputIds: SEQS[0], batch: 1 });
    await session.release();
    const { spec, weights } = fixture(name);
    const ref = referenceForward(spec, weights, SEQS[0]);
    // Per-tensor int8 weights and uint8 activations: within 3% of each tensor's largest |value|, and not exact.
    for (const h of [...hooks, 'logits']) {
      const want = h === 'logits' ? ref.logits : ref.hooks[h];
      const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expectClose(out[h].data as Float32Array, want, { atol: 0.03 * scale, rtol: 0 });
    }
    const mlp = out['blocks.1.hook_mlp_out'].data as Float32Array;
    expect(mlp.some((x, i) => Math.abs(x - ref.hooks['blocks.1.hook_mlp_out'][i]) > 1e-3)).toBe(true);
  });
});

describe('unsupported architecture', () => {
  it('refuses parallel attention/MLP blocks, naming the attention-free MLP branch it did not find', async () => {
    const files = await loadModelFiles(`${FIXTURE_ORG}/tiny-gpt2-parallel`, opts());
    let err: unknown;
    try {
      inspectModel(files.onnx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LmError);
    const e = err as LmError;
    expect(e.code).toBe('UNSUPPORTED_GRAPH');
    expect(e.message).toContain("an attention-free MLP branch feeding block 0's second residual addition");
    expect(e.message).toContain('parallel attention/MLP blocks');
    expect(e.details).toMatchObject({ node: '/transformer/h.1/Add_1', residualAdds: 2 });
  });
});
