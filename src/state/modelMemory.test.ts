// The memory estimate before a download (config.json + file sizes from the Hub mirror) equals the
// one made from the downloaded model's record; a missing variant is refused by name.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubMirror, type HubMirror } from '../../scripts/hub-mirror';
import { FIXTURE_ORG } from '../lm/fixtures/repos';
import { elementBytesOf, estimateModelMemory } from '../lm/memory';
import { fixture } from '../lm/testing';
import { getDb } from '../storage/db';
import { hubModelFacts, recordMemory } from './modelMemory';
import { downloadModel } from './models';

let mirror: HubMirror;
beforeAll(async () => {
  mirror = await startHubMirror({
    repos: { [`${FIXTURE_ORG}/tiny-gpt2`]: fixture('tiny-gpt2').files, [`${FIXTURE_ORG}/tiny-llama-external`]: fixture('tiny-llama-external').files },
  });
});
afterAll(() => mirror.close());

describe('memory estimate before a download', () => {
  it('reads the weights from the file sizes and the shapes from config.json, and matches the estimate of the downloaded model', async () => {
    const repo = `${FIXTURE_ORG}/tiny-gpt2`;
    const facts = await hubModelFacts(repo, 'onnx/model.onnx', { host: mirror.url, revision: 'main' });
    expect(facts.weightBytes).toBe(fixture('tiny-gpt2').files.get('onnx/model.onnx')!.byteLength);
    expect(facts.summary).toMatchObject({ nLayers: 2, dModel: 48, nHeads: 4 });
    const limits = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30 };
    const before = estimateModelMemory({ shape: facts.summary, weightBytes: facts.weightBytes, elementBytes: elementBytesOf('fp32'), batch: 8, context: 32 }, limits);
    const record = await downloadModel({ repo, revision: 'main', dtype: 'fp32', host: mirror.url }, () => {});
    expect(recordMemory(record, 8, 32, limits)).toEqual(before);
    await getDb().models.clear();
  });

  it('counts the external-data file beside the graph', async () => {
    const files = fixture('tiny-llama-external').files;
    const facts = await hubModelFacts(`${FIXTURE_ORG}/tiny-llama-external`, 'onnx/model.onnx', { host: mirror.url, revision: 'main' });
    expect(facts.weightBytes).toBe(files.get('onnx/model.onnx')!.byteLength + files.get('onnx/model.onnx_data')!.byteLength);
  });

  it('a variant the repo does not publish is refused by its path', async () => {
    const e = await hubModelFacts(`${FIXTURE_ORG}/tiny-gpt2`, 'onnx/model_q4.onnx', { host: mirror.url, revision: 'main' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'NO_ONNX_FILE', message: expect.stringContaining('onnx/model_q4.onnx') });
  });
});
