// Hub loading through the local mirror (scripts/hub-mirror.ts): summaries, progress, caching,
// external data, variant names, the fixture tokenizer in both tokenizer libraries, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubMirror, type HubMirror, type MemoryRepos } from '../../scripts/hub-mirror';
import { summarizeConfig } from './config';
import { LmError } from './errors';
import { FIXTURES, FIXTURE_ORG } from './fixtures/repos';
import { EOS_TOKEN } from './fixtures/tokenizer';
import { checkExternalData, fetchHubFile, listOnnxVariants, loadModelFiles, onnxPath, resolveUrl, type FileCache, type FileProgress } from './hub';
import { encodeModel } from './onnx/proto';
import { openModel } from './model';
import { referenceForward } from './reference/forward';
import { LmSession } from './session';
import { decodeModelBytes, hookModel } from './surgery';
import { fixture, useNodeWasm } from './testing';
import { loadTokenizer } from './tokenizer';

let mirror: HubMirror;
const requests: string[] = [];
const countingFetch: typeof fetch = (input, init) => {
  requests.push(`${init?.method ?? 'GET'} ${String(input)}`);
  return fetch(input, init);
};

beforeAll(async () => {
  const repos: MemoryRepos = {};
  for (const name of Object.keys(FIXTURES)) repos[`${FIXTURE_ORG}/${name}`] = fixture(name).files;
  const gpt2 = fixture('tiny-gpt2').files;
  const onnx = gpt2.get('onnx/model.onnx')!;
  const without = new Map([...gpt2].filter(([p]) => !p.startsWith('onnx/')));
  repos[`${FIXTURE_ORG}/no-onnx`] = without;
  repos[`${FIXTURE_ORG}/truncated`] = new Map([...without, ['onnx/model.onnx', onnx.subarray(0, onnx.length - 1000)]]);
  const external = fixture('tiny-llama-external').files;
  const data = external.get('onnx/model.onnx_data')!;
  repos[`${FIXTURE_ORG}/truncated-data`] = new Map([...external, ['onnx/model.onnx_data', data.subarray(0, data.byteLength - 100)]]);
  const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff);
  repos[`${FIXTURE_ORG}/corrupt`] = new Map([...without, ['onnx/model.onnx', garbage]]);
  mirror = await startHubMirror({ repos });
});

afterAll(() => mirror.close());

const opts = () => ({ host: mirror.url, cache: null, fetch: countingFetch });

async function errorOf(p: Promise<unknown>): Promise<LmError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LmError);
    const err = e as LmError;
    expect(err.message).toBeTruthy();
    expect(err.details).toBeTypeOf('object');
    return err;
  }
  throw new Error('expected an LmError');
}

describe('loadModelFiles', () => {
  it('summarises a GPT-2 repo and counts its parameters', async () => {
    const files = await loadModelFiles(`${FIXTURE_ORG}/tiny-gpt2`, opts());
    const { spec, weights } = fixture('tiny-gpt2');
    expect(files.summary).toMatchObject({ family: 'gpt2', nLayers: 2, dModel: 48, nHeads: 4, nKvHeads: 4, dMlp: 96, vocabSize: 278 });
    const counted = [weights.embed, weights.pos!, weights.normG, weights.normB!, ...weights.gpt2Layers.flatMap((l) => Object.values(l))]
      .reduce((s, a) => s + a.length, 0);
    expect(files.summary.parameterCount).toBe(counted);
    expect(files.summary.hookPoints).toContain('blocks.1.hook_resid_post');
    expect(files.summary.hookPoints).toHaveLength(10);
    expect(files.onnx).toEqual(new Uint8Array(fixture('tiny-gpt2').files.get('onnx/model.onnx')!));
    expect(files.externalData).toEqual([]);
    expect(spec.nLayers).toBe(files.summary.nLayers);
  });

  it('summarises a Llama repo with grouped-query attention', async () => {
    const files = await loadModelFiles(`${FIXTURE_ORG}/tiny-llama`, opts());
    const { weights } = fixture('tiny-llama');
    expect(files.summary).toMatchObject({ family: 'llama', nHeads: 4, nKvHeads: 2, dHead: 12, dMlp: 80 });
    const counted = [weights.embed, weights.normG, weights.lmHead, ...weights.llamaLayers.flatMap((l) => Object.values(l))]
      .reduce((s, a) => s + a.length, 0);
    expect(files.summary.parameterCount).toBe(counted);
  });

  it('reports per-file progress and serves a second load from the cache', async () => {
    const store = new Map<string, Uint8Array>();
    const cache: FileCache = { get: async (u) => store.get(u), put: async (u, b) => void store.set(u, b) };
    const progress: FileProgress[] = [];
    const repo = `${FIXTURE_ORG}/tiny-llama`;
    await loadModelFiles(repo, { ...opts(), cache, onProgress: (p) => progress.push(p) });
    const last = progress.filter((p) => p.path === 'onnx/model.onnx').at(-1)!;
    expect(last).toMatchObject({ done: true, fromCache: false, total: fixture('tiny-llama').files.get('onnx/model.onnx')!.length });
    expect(last.loaded).toBe(last.total);
    expect(new Set(progress.map((p) => p.path))).toEqual(new Set(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'onnx/model.onnx']));
    expect(store.has(resolveUrl(repo, 'onnx/model.onnx', { host: mirror.url }))).toBe(true);
    requests.length = 0;
    progress.length = 0;
    await loadModelFiles(repo, { ...opts(), cache, onProgress: (p) => progress.push(p) });
    expect(requests.filter((r) => r.startsWith('GET'))).toEqual([]);
    expect(progress.every((p) => p.fromCache && p.done)).toBe(true);
  });

  it('loads external data found in the graph and runs it', async () => {
    const files = await loadModelFiles(`${FIXTURE_ORG}/tiny-llama-external`, opts());
    expect(files.externalData.map((f) => f.path)).toEqual(['model.onnx_data']);
    useNodeWasm();
    const hooked = hookModel(files.onnx, { expose: ['blocks.0.hook_mlp_out'] });
    const session = await LmSession.create(hooked.bytes, hooked.signature, { backends: ['wasm'], externalData: files.externalData });
    const out = await session.forward({ inputIds: [5, 6, 7], batch: 1 });
    const { spec, weights } = fixture('tiny-llama-external');
    const ref = referenceForward(spec, weights, [5, 6, 7]);
    const got = out['blocks.0.hook_mlp_out'].data as Float32Array;
    expect(Math.max(...got.map((x, i) => Math.abs(x - ref.hooks['blocks.0.hook_mlp_out'][i])))).toBeLessThan(1e-4);
    await session.release();
  });

  it('opens a hooked session from the files, reporting its phases', async () => {
    useNodeWasm();
    const files = await loadModelFiles(`${FIXTURE_ORG}/tiny-gpt2-fused`, opts());
    const phases: string[] = [];
    const { session, surgery } = await openModel(files, { expose: ['blocks.1.hook_attn_out'] }, {
      backends: ['wasm'],
      onPhase: (p, b) => phases.push(`${p}:${b}`),
    });
    expect(phases).toEqual(['creating:wasm', 'ready:wasm']);
    expect(session.backend).toBe('wasm');
    expect(surgery.outputs).toEqual({ 'blocks.1.hook_attn_out': 'blocks.1.hook_attn_out' });
    await session.release();
    const wrongDepth = { ...files, summary: { ...files.summary, nLayers: 3 } };
    const e = await errorOf(openModel(wrongDepth, {}, { backends: ['wasm'] }));
    expect(e.code).toBe('UNSUPPORTED_GRAPH');
    expect(e.details).toMatchObject({ foundLayers: 2 });
  });

  it('lists the ONNX variants a repo publishes', async () => {
    const repo = `${FIXTURE_ORG}/variants`;
    const mirror2 = await startHubMirror({
      repos: {
        [repo]: new Map(['onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_q4f16.onnx', 'onnx/model_quantized.onnx', 'onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', 'config.json'].map((p) => [p, new Uint8Array(1)])),
      },
    });
    try {
      const variants = await listOnnxVariants(repo, { host: mirror2.url });
      expect(variants.map((v) => [v.path, v.baseName, v.dtype, v.externalData])).toEqual([
        ['onnx/model.onnx', 'model', 'fp32', false],
        ['onnx/model_fp16.onnx', 'model', 'fp16', false],
        ['onnx/model_q4.onnx', 'model', 'q4', true],
        ['onnx/model_q4f16.onnx', 'model', 'q4f16', false],
        ['onnx/model_quantized.onnx', 'model', 'q8', false],
      ]);
      expect((await errorOf(listOnnxVariants('nobody/nothing', { host: mirror2.url }))).code).toBe('REPO_NOT_FOUND');
    } finally {
      await mirror2.close();
    }
  });

  it('names ONNX variants as the Hub publishes them', () => {
    expect(onnxPath()).toBe('onnx/model.onnx');
    expect(onnxPath('fp16')).toBe('onnx/model_fp16.onnx');
    expect(onnxPath('q8')).toBe('onnx/model_quantized.onnx');
    expect(onnxPath('q4')).toBe('onnx/model_q4.onnx');
    expect(onnxPath('q4f16', 'decoder_model_merged')).toBe('onnx/decoder_model_merged_q4f16.onnx');
  });
});

describe('bad input', () => {
  it('a wrong Hub id is REPO_NOT_FOUND', async () => {
    const e = await errorOf(loadModelFiles('lantern-fixtures/does-not-exist', opts()));
    expect(e.code).toBe('REPO_NOT_FOUND');
    expect(e.details).toMatchObject({ status: 404, errorCode: 'RepoNotFound', repo: 'lantern-fixtures/does-not-exist' });
  });

  it('a repo without ONNX files is NO_ONNX_FILE', async () => {
    const e = await errorOf(loadModelFiles(`${FIXTURE_ORG}/no-onnx`, opts()));
    expect(e.code).toBe('NO_ONNX_FILE');
    expect(e.details).toMatchObject({
      path: 'onnx/model.onnx',
      tried: ['onnx/model.onnx', 'onnx/decoder_model_merged.onnx', 'onnx/decoder_with_past_model.onnx', 'onnx/decoder_model.onnx'],
    });
  });

  it('a missing variant is NO_ONNX_FILE naming the variant file', async () => {
    const e = await errorOf(loadModelFiles(`${FIXTURE_ORG}/tiny-gpt2`, { ...opts(), dtype: 'q4' }));
    expect(e.code).toBe('NO_ONNX_FILE');
    expect(e.details).toMatchObject({ path: 'onnx/model_q4.onnx', dtype: 'q4' });
  });

  it('a truncated or corrupt .onnx is INVALID_MODEL', async () => {
    expect((await errorOf(loadModelFiles(`${FIXTURE_ORG}/truncated`, opts()))).code).toBe('INVALID_MODEL');
    expect((await errorOf(loadModelFiles(`${FIXTURE_ORG}/corrupt`, opts()))).code).toBe('INVALID_MODEL');
  });

  it('a truncated external-data file is INVALID_MODEL naming the file, the tensor and the bytes it needs', async () => {
    const e = await errorOf(loadModelFiles(`${FIXTURE_ORG}/truncated-data`, opts()));
    expect(e.code).toBe('INVALID_MODEL');
    expect(e.message).toMatch(/"model\.onnx_data" is truncated: tensor ".+" needs bytes \d+–\d+, but the file has only \d+ bytes/);
    const size = fixture('tiny-llama-external').files.get('onnx/model.onnx_data')!.byteLength - 100;
    expect(e.details).toMatchObject({ location: 'model.onnx_data', fileBytes: size });
    expect((e.details.offset as number) + (e.details.length as number)).toBeGreaterThan(size);
  });

  it('external tensors are checked against their shape, and a data file the graph names must be there', () => {
    const files = fixture('tiny-llama-external').files;
    const onnx = files.get('onnx/model.onnx')!;
    const data = files.get('onnx/model.onnx_data')!;
    expect(() => checkExternalData(onnx, [{ path: 'model.onnx_data', data }])).not.toThrow();
    expect(() => checkExternalData(onnx, [])).toThrow(/keeps its data in "model\.onnx_data", which the model does not come with/);
    const model = decodeModelBytes(onnx);
    const t = model.graph.initializer.find((i) => i.externalData?.length)!;
    t.externalData = t.externalData!.map((e) => (e.key === 'length' ? { key: 'length', value: String(Number(e.value) - 4) } : e));
    expect(() => checkExternalData(encodeModel(model), [{ path: 'model.onnx_data', data }])).toThrow(/declares \d+ bytes .* need \d+/);
  });

  it('a model over the memory limit is MODEL_TOO_LARGE before its weights download', async () => {
    requests.length = 0;
    const e = await errorOf(loadModelFiles(`${FIXTURE_ORG}/tiny-llama-external`, { ...opts(), maxBytes: 100_000 }));
    expect(e.code).toBe('MODEL_TOO_LARGE');
    expect(e.details).toMatchObject({ maxBytes: 100_000 });
    expect(e.details.bytes).toBeGreaterThan(100_000);
    expect(requests.some((r) => r.startsWith('GET') && r.includes('.onnx'))).toBe(false);
    const bytes = fixture('tiny-gpt2').files.get('onnx/model.onnx')!;
    const hooked = hookModel(bytes, {});
    const e2 = await errorOf(LmSession.create(hooked.bytes, hooked.signature, { backends: ['wasm'], maxBytes: 1000 }));
    expect(e2.code).toBe('MODEL_TOO_LARGE');
  });

  it('a missing file is FILE_NOT_FOUND and an unreachable host is NETWORK', async () => {
    expect((await errorOf(fetchHubFile(`${FIXTURE_ORG}/tiny-gpt2`, 'nope.json', opts()))).code).toBe('FILE_NOT_FOUND');
    expect((await errorOf(fetchHubFile(`${FIXTURE_ORG}/tiny-gpt2`, 'config.json', { host: 'http://127.0.0.1:9', cache: null }))).code).toBe(
      'NETWORK',
    );
  });

  it('a config without dimensions is INVALID_CONFIG', () => {
    try {
      summarizeConfig({ model_type: 'gpt2', n_layer: 2 });
      throw new Error('expected INVALID_CONFIG');
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_CONFIG', details: { missing: ['hidden_size', 'num_attention_heads', 'vocab_size'] } });
    }
  });
});

describe('fixture tokenizer', () => {
  it('loads in @huggingface/tokenizers and round-trips bytes through the merges', async () => {
    const files = await loadModelFiles(`${FIXTURE_ORG}/tiny-gpt2`, opts());
    const tok = loadTokenizer(files.tokenizerJson, files.tokenizerConfig);
    const text = 'the cat sat on the mat ✓';
    const ids = tok.encode(text);
    expect(ids.some((i) => i >= 256)).toBe(true);
    expect(ids.every((i) => i < 278)).toBe(true);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.encode(EOS_TOKEN)).toEqual([276]);
  });

  it('loads in transformers.js through its hub utilities pointed at the mirror', async () => {
    const { AutoTokenizer, env } = await import('@huggingface/transformers');
    env.remoteHost = `${mirror.url}/`;
    env.allowLocalModels = false;
    env.useBrowserCache = false;
    env.useFSCache = false;
    const hf = await AutoTokenizer.from_pretrained(`${FIXTURE_ORG}/tiny-llama`);
    const files = await loadModelFiles(`${FIXTURE_ORG}/tiny-llama`, opts());
    const ours = loadTokenizer(files.tokenizerJson, files.tokenizerConfig);
    const text = 'in the one hour, the other is there';
    expect(hf.encode(text, { add_special_tokens: false })).toEqual(ours.encode(text));
  });
});
