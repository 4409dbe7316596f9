// Model downloads from the Hub mirror into the models table: the record with its summary and
// files, and bad input (too large, corrupt graph, truncated external data, unknown repo, a tokenizer
// config the library cannot load) refused with nothing recorded.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHubMirror, type HubMirror, type MemoryRepos } from '../../scripts/hub-mirror';
import { FIXTURE_ORG } from '../lm/fixtures/repos';
import { fixture } from '../lm/testing';
import { getDb } from '../storage/db';
import { checkRepoId, deleteModel, downloadModel, type ModelRequest } from './models';

const GPT2 = `${FIXTURE_ORG}/tiny-gpt2`;
let mirror: HubMirror;

beforeAll(async () => {
  const files = fixture('tiny-gpt2').files;
  const garbage = new Uint8Array(4096).map((_, i) => (i * 131) & 0xff);
  const external = fixture('tiny-llama-external').files;
  const data = external.get('onnx/model.onnx_data')!;
  const repos: MemoryRepos = {
    [GPT2]: files,
    [`${FIXTURE_ORG}/corrupt`]: new Map([...files, ['onnx/model.onnx', garbage]]),
    [`${FIXTURE_ORG}/truncated-data`]: new Map([...external, ['onnx/model.onnx_data', data.subarray(0, data.byteLength - 100)]]),
    [`${FIXTURE_ORG}/foreign-tokenizer-config`]: new Map([...files, ['tokenizer_config.json', new TextEncoder().encode(JSON.stringify({ bos_token: '<s>', eos_token: '</s>' }))]]),
  };
  mirror = await startHubMirror({ repos });
});
afterAll(() => mirror.close());
beforeEach(async () => {
  await getDb().models.clear();
});

const req = (over: Partial<ModelRequest> = {}): ModelRequest => ({ repo: GPT2, revision: 'main', dtype: 'fp32', host: mirror.url, ...over });
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);

describe('model downloads', () => {
  it('records the model with its summary, hook points and downloaded files; delete removes it', async () => {
    const seen = new Set<string>();
    const record = await downloadModel(req(), (p) => seen.add(p.path));
    expect(record).toMatchObject({ id: `${GPT2}@main/fp32`, repo: GPT2, variant: 'fp32', onnxPath: 'onnx/model.onnx', host: mirror.url });
    expect(record.summary).toMatchObject({ family: 'gpt2', nLayers: 2, dModel: 48, nHeads: 4, vocabSize: 278, graphDtype: 'float32' });
    expect((record.summary as { hookPoints: string[] }).hookPoints).toHaveLength(10);
    expect(record.files!.map((f) => f.path).sort()).toEqual([...seen].sort());
    expect(record.bytes).toBe(fixture('tiny-gpt2').files.get('onnx/model.onnx')!.byteLength);
    await deleteModel(record);
    expect(await getDb().models.count()).toBe(0);
  });

  it('a model over the byte limit, a corrupt graph, a truncated external-data file and an unknown repo record nothing', async () => {
    expect(await codeOf(downloadModel(req({ maxBytes: 1000 }), () => {}))).toBe('MODEL_TOO_LARGE');
    expect(await codeOf(downloadModel(req({ repo: `${FIXTURE_ORG}/corrupt` }), () => {}))).toBe('INVALID_MODEL');
    expect(await codeOf(downloadModel(req({ repo: `${FIXTURE_ORG}/missing` }), () => {}))).toBe('REPO_NOT_FOUND');
    expect(await codeOf(downloadModel(req({ repo: `${FIXTURE_ORG}/truncated-data` }), () => {}))).toBe('INVALID_MODEL');
    expect(await getDb().models.count()).toBe(0);
  });

  it('a tokenizer_config.json the tokenizer library cannot load is refused with the field it names, and nothing is recorded', async () => {
    const e = (await downloadModel(req({ repo: `${FIXTURE_ORG}/foreign-tokenizer-config` }), () => {}).catch((x: unknown) => x)) as { code?: string; message?: string };
    expect(e.code).toBe('invalid-tokenizer');
    expect(e.message).toMatch(/tokenizer_config\.json cannot be loaded: "bos_token" is "<s>", which tokenizer\.json does not contain/);
    expect(await getDb().models.count()).toBe(0);
  });

  it('a malformed repo id is refused before any request', () => {
    expect(() => checkRepoId('not a repo')).toThrow(/not a Hub model id/);
    expect(checkRepoId(' org/name ')).toBe('org/name');
  });
});
