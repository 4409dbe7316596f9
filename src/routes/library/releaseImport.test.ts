// Published SAEs by release name through the local Hub mirror: stored when the SAE fits the model,
// folded on request; an unknown release, a hook the model lacks, stores nothing; a sparsify repo
// with several hookpoints lists its folders and imports one.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { startHubMirror, type HubMirror } from '../../../scripts/hub-mirror';
import { randomArray } from '@/gpu/testing';
import { listHooks } from '../../lm/hooks';
import { listHubSaeFolders } from '../../sae/formats/hub';
import { exportSaeLens } from '../../sae/formats/saelens';
import { writeSafetensors } from '../../sae/formats/safetensors';
import type { SaeWeights } from '../../sae/types';
import { loadSae } from '../../state/activeSae';
import { LanternDb } from '../../storage/db';
import { importHubSae } from './library';
import { importReleaseSae } from './releaseImport';

const dIn = 48;
const dSae = 96;
const enc = new TextEncoder();
const tinyGpt2 = { name: 'lantern-fixtures/tiny-gpt2', hookPoints: listHooks(2) };

function relu(seed: number): SaeWeights {
  return { dIn, dSae, W_enc: randomArray(dIn * dSae, seed), W_dec: randomArray(dSae * dIn, seed + 1, -0.5, 0.5), b_enc: randomArray(dSae, seed + 2), b_dec: randomArray(dIn, seed + 3) };
}

function saelensFolder(folder: string, hookName: string, w: SaeWeights): [string, Uint8Array][] {
  const files = exportSaeLens(w, { architecture: 'relu', modelName: 'lantern-fixtures/tiny-gpt2', hookName, hookLayer: Number(/blocks\.(\d+)/.exec(hookName)![1]) });
  return [
    [`${folder}/cfg.json`, enc.encode(files.cfgJson)],
    [`${folder}/sae_weights.safetensors`, files.weights],
  ];
}

function sparsifyFolder(folder: string, w: SaeWeights): [string, Uint8Array][] {
  const encoder = new Float32Array(dSae * dIn);
  for (let j = 0; j < dSae; j++) for (let i = 0; i < dIn; i++) encoder[j * dIn + i] = w.W_enc[i * dSae + j];
  const weights = writeSafetensors({
    'encoder.weight': { dtype: 'F32', shape: [dSae, dIn], data: encoder },
    'encoder.bias': { dtype: 'F32', shape: [dSae], data: w.b_enc },
    W_dec: { dtype: 'F32', shape: [dSae, dIn], data: w.W_dec },
    b_dec: { dtype: 'F32', shape: [dIn], data: w.b_dec },
  });
  const cfg = enc.encode(JSON.stringify({ d_in: dIn, k: 8, num_latents: dSae, expansion_factor: 2, normalize_decoder: true }));
  return [
    [`${folder}/cfg.json`, cfg],
    [`${folder}/sae.safetensors`, weights],
  ];
}

let mirror: HubMirror;
let db: LanternDb;
let n = 0;
const W = relu(3);

beforeAll(async () => {
  mirror = await startHubMirror({
    repos: {
      'lantern-fixtures/tiny-gpt2-saes': new Map([
        ...saelensFolder('blocks.1.hook_resid_post', 'blocks.1.hook_resid_post', W),
        // Listed as blocks.1.hook_mlp_out, but its cfg.json names a hook a 2-layer model does not have.
        ...saelensFolder('blocks.1.hook_mlp_out', 'blocks.7.hook_resid_post', relu(5)),
      ]),
      'org/sparsify-multi': new Map([...sparsifyFolder('layers.0', relu(7)), ...sparsifyFolder('layers.1', relu(9)), ['README.md', enc.encode('# SAEs')]]),
    },
  });
});
afterAll(() => mirror.close());
beforeEach(async () => {
  db = new LanternDb(`release-import-test-${n++}`);
  await db.open();
});
afterEach(() => db.delete());

const counts = async () => [await db.checkpoints.count(), await db.checkpointChunks.count()];

describe('import by SAELens release', () => {
  it('stores the SAE a release names, checked against the model, with the release as its source', async () => {
    const record = await importReleaseSae(db, mirror.url, 'lantern-fixtures-tiny-gpt2-res', 'blocks.1.hook_resid_post', { expect: { dIn, model: tinyGpt2 } });
    expect(record).toMatchObject({
      name: 'lantern-fixtures-tiny-gpt2-res/blocks.1.hook_resid_post',
      origin: { source: 'release:lantern-fixtures-tiny-gpt2-res/blocks.1.hook_resid_post (hub:lantern-fixtures/tiny-gpt2-saes/blocks.1.hook_resid_post)', hookName: 'blocks.1.hook_resid_post', dSae },
    });
    expect((await loadSae(db, record.id)).weights.W_dec).toEqual(W.W_dec);
  });

  it('fold_W_dec_norm stores unit-norm decoder rows and encoder columns scaled by the norms', async () => {
    const record = await importReleaseSae(db, mirror.url, 'lantern-fixtures-tiny-gpt2-res', 'blocks.1.hook_resid_post', { expect: { dIn }, foldDecoderNorm: true });
    const { weights } = await loadSae(db, record.id);
    for (const j of [0, 17, dSae - 1]) {
      const norm = Math.hypot(...W.W_dec.subarray(j * dIn, (j + 1) * dIn));
      expect(Math.hypot(...weights.W_dec.subarray(j * dIn, (j + 1) * dIn))).toBeCloseTo(1, 5);
      expect(weights.W_enc[5 * dSae + j]).toBeCloseTo(W.W_enc[5 * dSae + j] * norm, 5);
      expect(weights.b_enc[j]).toBeCloseTo(W.b_enc[j] * norm, 5);
    }
  });

  it('a release name that does not exist is refused before any request; nothing is stored', async () => {
    let requests = 0;
    const counting: typeof fetch = (...args) => {
      requests++;
      return fetch(...args);
    };
    await expect(importReleaseSae(db, mirror.url, 'gpt2-small-res-jbb', 'blocks.8.hook_resid_pre', {}, counting)).rejects.toThrow(/No SAELens release is named "gpt2-small-res-jbb"/);
    expect(requests).toBe(0);
    expect(await counts()).toEqual([0, 0]);
  });

  it('a cfg.json whose hook the model does not have is refused, naming both; nothing is stored', async () => {
    await expect(importReleaseSae(db, mirror.url, 'lantern-fixtures-tiny-gpt2-res', 'blocks.1.hook_mlp_out', { expect: { dIn, model: tinyGpt2 } })).rejects.toThrow(
      /This SAE reads hook "blocks.7.hook_resid_post", which lantern-fixtures\/tiny-gpt2 does not have \(its 10 hook points run from blocks.0.hook_resid_pre to blocks.1.hook_resid_post\)/,
    );
    expect(await counts()).toEqual([0, 0]);
  });
});

describe('sparsify repos with several hookpoints', () => {
  it('lists each hookpoint folder and imports the one chosen, its hook read as TransformerLens names it', async () => {
    expect(await listHubSaeFolders({ host: mirror.url, repo: 'org/sparsify-multi' })).toEqual([
      { path: 'layers.0', format: 'sparsify' },
      { path: 'layers.1', format: 'sparsify' },
    ]);
    const record = await importHubSae(db, { host: mirror.url, repo: 'org/sparsify-multi', path: 'layers.1' }, { expect: { dIn, hookName: 'blocks.1.hook_resid_post', model: tinyGpt2 } });
    expect(record).toMatchObject({ name: 'layers.1', origin: { format: 'sparsify', hookName: 'layers.1', k: 8 } });
    expect(await db.checkpoints.count()).toBe(1);
  });

  it('an unknown repo is refused by name', async () => {
    await expect(listHubSaeFolders({ host: mirror.url, repo: 'org/none' })).rejects.toThrow(/Repository "org\/none" was not found/);
  });
});
