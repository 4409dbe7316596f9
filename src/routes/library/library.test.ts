// The model library on fake-indexeddb: export → import round trip, corrupted chunks caught on
// load without touching sibling checkpoints, bad imports storing nothing, Hub imports through the
// local mirror, rename / save-as / delete, and the active SAE following deletions.
import 'fake-indexeddb/auto';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHubMirror, type HubMirror } from '../../../scripts/hub-mirror';
import { randomArray } from '@/gpu/testing';
import { encodeCheckpoint } from '../../sae/checkpointCodec';
import { resolveConfig } from '../../sae/config';
import { exportSaeLens } from '../../sae/formats/saelens';
import { writeSafetensors } from '../../sae/formats/safetensors';
import { weightsFromState } from '../../sae/formats/state';
import { initialState } from '../../sae/state';
import { activateSae, activeSaeId, loadActiveSae, loadSae } from '../../state/activeSae';
import { IMPORTED_RUN_ID, latestCheckpoint, renameCheckpoint, saveCheckpointAs, writeCheckpoint } from '../../storage/checkpoints';
import { LanternDb } from '../../storage/db';
import { IntegrityError, StorageError } from '../../storage/errors';
import { deleteCheckpoint, deleteRun, exportSaeLensZip, importHubSae, importSaeFiles, listLibrary } from './library';

let db: LanternDb;
let n = 0;

beforeEach(async () => {
  db = new LanternDb(`library-test-${n++}`);
  await db.open();
});
afterEach(async () => {
  await db.delete();
});

function trainedState(seed = 1) {
  const state = initialState(resolveConfig({ arch: 'topk', dIn: 8, dSae: 12, k: 3, batchSize: 16, seed }));
  state.params.b_dec = randomArray(8, seed + 10);
  state.normScale = 1.5;
  state.initialized = true;
  state.step = 20;
  return state;
}

/** A finished run with checkpoints v001 (step 10) and v002 (step 20). */
async function seedRun(runId = 'run_a') {
  await db.runs.add({ id: runId, name: 'tiny', config: { arch: 'topk', dIn: 8, dSae: 12, k: 3, source: { type: 'synthetic' } }, status: 'done', step: 20, createdAt: 1 });
  const a = await writeCheckpoint(db, runId, 10, encodeCheckpoint(trainedState(1), { type: 'synthetic' }));
  const b = await writeCheckpoint(db, runId, 20, encodeCheckpoint(trainedState(2), { type: 'synthetic' }));
  return [a, b];
}

const files = (zip: Uint8Array) => [{ name: 'export.zip', bytes: zip }];
const counts = async () => [await db.checkpoints.count(), await db.checkpointChunks.count()];

describe('library', () => {
  it('exports a checkpoint as a SAELens zip and imports it back to the same weights', async () => {
    const [, v2] = await seedRun();
    const { fileName, bytes } = await exportSaeLensZip(db, v2.id);
    expect(fileName).toBe('tiny-v002.zip');
    expect(Object.keys(unzipSync(bytes)).sort()).toEqual(['tiny-v002/cfg.json', 'tiny-v002/sae_weights.safetensors', 'tiny-v002/sparsity.safetensors']);

    await deleteRun(db, 'run_a');
    expect(await counts()).toEqual([0, 0]);
    const imported = await importSaeFiles(db, files(bytes), { source: fileName, expect: { dIn: 8 } });
    expect(imported).toMatchObject({ runId: IMPORTED_RUN_ID, name: 'tiny-v002', origin: { format: 'saelens', arch: 'topk', dIn: 8, dSae: 12, k: 3, modelName: 'lantern-synthetic' } });
    const rows = await listLibrary(db);
    expect(rows.map((r) => [r.checkpoint.name, r.arch, r.dIn, r.dSae, r.k])).toEqual([['tiny-v002', 'topk', 8, 12, 3]]);
    const loaded = await loadSae(db, imported.id);
    const original = weightsFromState(trainedState(2));
    expect(loaded.weights.W_enc).toEqual(original.W_enc);
    expect(loaded.weights.b_dec).toEqual(original.b_dec);
    // A second import of the same files gets a fresh name instead of a clash.
    expect((await importSaeFiles(db, files(bytes), { source: fileName })).name).toBe('tiny-v002 (2)');
  });

  it('names the model, hook and context of a run trained on an activation set', async () => {
    await db.activationSets.add({ id: 'acts', modelId: 'mdl', model: 'org/tiny-gpt2', hook: 'blocks.1.hook_resid_post', layer: 1, dModel: 8, tokens: 64, contextSize: 32, dtype: 'f32', status: 'ready', createdAt: 1 });
    await db.runs.add({ id: 'run_b', name: 'lm', config: { arch: 'topk', dIn: 8, dSae: 12, k: 3, source: { type: 'activations', setId: 'acts', seed: 1 } }, status: 'done', step: 20, createdAt: 1 });
    const ck = await writeCheckpoint(db, 'run_b', 20, encodeCheckpoint(trainedState(5), null));
    expect((await listLibrary(db))[0].context).toBe('org/tiny-gpt2 · blocks.1.hook_resid_post');
    const cfg = JSON.parse(new TextDecoder().decode(unzipSync((await exportSaeLensZip(db, ck.id)).bytes)['lm-v001/cfg.json']));
    expect(cfg).toMatchObject({ model_name: 'org/tiny-gpt2', hook_name: 'blocks.1.hook_resid_post', hook_layer: 1, context_size: 32 });
  });

  it('detects a corrupted chunk on load, names the checkpoint, and leaves the other checkpoints usable', async () => {
    const [v1, v2] = await seedRun();
    const chunk = (await db.checkpointChunks.get([v2.id, 0]))!;
    const bytes = new Uint8Array(chunk.bytes.slice(0));
    bytes[100] ^= 0xff;
    await db.checkpointChunks.put({ ...chunk, bytes: bytes.buffer });

    const err = await loadSae(db, v2.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/^Checkpoint "v002" is corrupted \(Chunk 0 of ckpt_\w+ in checkpointChunks is corrupted \(SHA-256 mismatch\)\.\)/);
    await expect(activateSae(v2.id, db)).rejects.toThrow(IntegrityError);
    expect(await activeSaeId(db)).toBeUndefined();
    await expect(exportSaeLensZip(db, v2.id)).rejects.toThrow(/v002" is corrupted/);

    expect((await loadSae(db, v1.id)).state.config.dSae).toBe(12);
    await activateSae(v1.id, db);
    expect(await activeSaeId(db)).toBe(v1.id);
    expect((await loadActiveSae(db))?.weights.W_enc).toEqual(weightsFromState(trainedState(1)).W_enc);
  });

  describe('a bad import gives a clear error and stores nothing', () => {
    async function exported() {
      const [, v2] = await seedRun();
      return (await exportSaeLensZip(db, v2.id)).bytes;
    }
    it('mismatched d_in', async () => {
      const zip = await exported();
      const before = await counts();
      await expect(importSaeFiles(db, files(zip), { source: 'x', expect: { dIn: 768 } })).rejects.toThrow('This SAE reads d_in = 8 activations, but 768 were expected; nothing was imported.');
      expect(await counts()).toEqual(before);
    });
    it('malformed cfg.json', async () => {
      const before = await counts();
      const bad = [
        { name: 'cfg.json', bytes: new TextEncoder().encode('{"d_in": 8,') },
        { name: 'sae_weights.safetensors', bytes: new Uint8Array(16) },
      ];
      await expect(importSaeFiles(db, bad, { source: 'x' })).rejects.toThrow(/SAELens cfg.json is not valid JSON/);
      expect(await counts()).toEqual(before);
    });
    it('truncated safetensors', async () => {
      const entries = unzipSync(await exported());
      const before = await counts();
      const cut = Object.entries(entries).map(([name, bytes]) => ({ name, bytes: name.endsWith('sae_weights.safetensors') ? bytes.subarray(0, bytes.length / 2) : bytes }));
      await expect(importSaeFiles(db, cut, { source: 'x' })).rejects.toThrow(/safetensors: tensor .* run past the/);
      expect(await counts()).toEqual(before);
    });
  });

  it('imports a sparsify folder from files, its hook named by the folder', async () => {
    const w = weightsFromState(trainedState(6));
    const encoder = new Float32Array(12 * 8);
    for (let i = 0; i < 12; i++) for (let j = 0; j < 8; j++) encoder[i * 8 + j] = w.W_enc[j * 12 + i];
    const weights = writeSafetensors({
      'encoder.weight': { dtype: 'F32', shape: [12, 8], data: encoder },
      'encoder.bias': { dtype: 'F32', shape: [12], data: w.b_enc },
      W_dec: { dtype: 'F32', shape: [12, 8], data: w.W_dec },
      b_dec: { dtype: 'F32', shape: [8], data: w.b_dec },
    });
    const cfg = new TextEncoder().encode(JSON.stringify({ d_in: 8, k: 3, num_latents: 12, expansion_factor: 32, normalize_decoder: true }));
    const record = await importSaeFiles(db, [{ name: 'layers.3/cfg.json', bytes: cfg }, { name: 'layers.3/sae.safetensors', bytes: weights }], { source: 'layers.3', expect: { dIn: 8 } });
    expect(record).toMatchObject({ name: 'layers.3', origin: { format: 'sparsify', arch: 'topk', k: 3, hookName: 'layers.3', modelName: null } });
    expect((await loadSae(db, record.id)).weights.W_enc).toEqual(w.W_enc);
  });

  it('imports SAELens and sparsify folders from a Hub repo through the mirror', async () => {
    const state = trainedState(3);
    const saelens = exportSaeLens(weightsFromState(state), { architecture: 'topk', k: 3, modelName: 'gpt2', hookName: 'blocks.1.hook_resid_post', hookLayer: 1 });
    const mirror: HubMirror = await startHubMirror({
      repos: {
        'org/saes': new Map([
          ['blocks.1/cfg.json', new TextEncoder().encode(saelens.cfgJson)],
          ['blocks.1/sae_weights.safetensors', saelens.weights],
        ]),
      },
    });
    try {
      const record = await importHubSae(db, { host: mirror.url, repo: 'org/saes', path: 'blocks.1' }, { expect: { dIn: 8, hookName: 'blocks.1.hook_resid_post' } });
      expect(record).toMatchObject({ name: 'blocks.1', origin: { source: 'hub:org/saes@main/blocks.1', hookName: 'blocks.1.hook_resid_post', hookLayer: 1 } });
      await expect(importHubSae(db, { host: mirror.url, repo: 'org/missing' }, {})).rejects.toThrow(/Repository not found/);
      await expect(importHubSae(db, { host: mirror.url, repo: 'org/saes', path: 'blocks.9' }, {})).rejects.toThrow(/No cfg.json at .*blocks\.9\/cfg\.json/);
      await expect(importHubSae(db, { host: mirror.url, repo: 'org/saes', path: 'blocks.1' }, { expect: { dIn: 16 } })).rejects.toThrow(/d_in = 8/);
      expect(await db.checkpoints.count()).toBe(1);
    } finally {
      await mirror.close();
    }
  });
});

describe('named checkpoints', () => {
  it('save-as names the automatic version at that step instead of storing a second copy', async () => {
    const [, v2] = await seedRun();
    const before = await counts();
    const latest = await latestCheckpoint(db, 'run_a');
    expect(latest?.id).toBe(v2.id);
    const saved = await saveCheckpointAs(db, latest!.id, '  best so far ');
    expect(saved).toMatchObject({ id: v2.id, runId: 'run_a', name: 'best so far', step: 20, sha256: v2.sha256, version: 2 });
    expect(await counts()).toEqual(before);
    expect(await db.checkpoints.get(v2.id)).toMatchObject({ name: 'best so far', version: 2 });
    // The weights are the same verified payload.
    expect((await loadSae(db, v2.id)).checkpoint.name).toBe('best so far');
  });

  it('save-as refuses a checkpoint that already has a name (naming it) and a name the run uses', async () => {
    const [v1, v2] = await seedRun();
    await saveCheckpointAs(db, v2.id, 'best so far');
    await expect(saveCheckpointAs(db, v2.id, 'another')).rejects.toThrow('Step 20 is already saved as "best so far"; rename it in the Library to change its name.');
    await expect(saveCheckpointAs(db, v1.id, 'best so far')).rejects.toThrow('This run already has a checkpoint named "best so far"; choose another name.');
    expect((await db.checkpoints.get(v1.id))?.name).toBe('v001');
  });

  it('lists each checkpoint with the run\'s metrics at its step', async () => {
    await seedRun();
    await db.metrics.bulkAdd([9, 10, 19].map((step) => ({ runId: 'run_a', step, values: { explainedVariance: step / 100, l0: step, dead: 20 - step, loss: 1 } })));
    const rows = await listLibrary(db);
    const byName = new Map(rows.map((r) => [r.checkpoint.name, r.metrics]));
    expect(byName.get('v001')).toEqual({ explainedVariance: 0.1, l0: 10, dead: 10 });
    // No row at step 20: the newest one before it.
    expect(byName.get('v002')).toEqual({ explainedVariance: 0.19, l0: 19, dead: 1 });
  });

  it('rename refuses a taken or empty name; automatic versions never reuse a number, even after naming', async () => {
    const [v1, v2] = await seedRun();
    await expect(renameCheckpoint(db, v1.id, 'v002')).rejects.toThrow(StorageError);
    await expect(renameCheckpoint(db, v1.id, '   ')).rejects.toThrow('Give the checkpoint a name.');
    await renameCheckpoint(db, v1.id, 'early');
    await saveCheckpointAs(db, v2.id, 'late');
    expect((await db.checkpoints.get(v1.id))?.name).toBe('early');
    expect((await writeCheckpoint(db, 'run_a', 30, encodeCheckpoint(trainedState(4), null))).name).toBe('v003');
  });

  it('deleting the active checkpoint (or its run) clears the active SAE; a training run cannot be deleted', async () => {
    const [v1, v2] = await seedRun();
    await activateSae(v2.id, db);
    await deleteCheckpoint(db, v1.id);
    expect(await activeSaeId(db)).toBe(v2.id);
    await deleteCheckpoint(db, v2.id);
    expect(await activeSaeId(db)).toBeUndefined();
    expect(await loadActiveSae(db)).toBeUndefined();
    expect(await db.checkpointChunks.where('ownerId').equals(v2.id).count()).toBe(0);

    await db.jobs.add({ id: 'job_1', kind: 'train', title: 't', priority: 'normal', seq: 1, status: 'running', progress: 0, params: {}, elapsedMs: 0, attempts: 1, createdAt: 1, updatedAt: 1 });
    await db.runs.update('run_a', { jobId: 'job_1' });
    await expect(deleteRun(db, 'run_a')).rejects.toThrow(/still training \(running\)/);
    expect(await db.runs.count()).toBe(1);
  });
});

