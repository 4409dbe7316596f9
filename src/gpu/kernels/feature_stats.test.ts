// feature_stats kernel vs its CPU reference: firing counters, dead and dense counts.
import { describe, expect, it } from 'vitest';
import { featureCountReference, featureUpdateReference } from '@/sae/reference/feature_stats';
import { shardsOf, splitRows } from '@/sae/shards';
import { readF32, readU32, runChecked, upload, zeros } from '../harness';
import { nodeDevice } from '../nodeDevice';
import { randomArray } from '../testing';
import { featureStatsCalls } from './feature_stats';

describe('feature_stats', () => {
  for (const [nTok, dSae] of [
    [1, 48],
    [37, 300],
  ]) {
    it(`matches reference over 3 steps on nTok=${nTok} dSae=${dSae}`, async () => {
      const { device } = await nodeDevice();
      const window = 2 * nTok;
      const denseFrac = 0.3;
      const since = Uint32Array.from(randomArray(dSae, 1, 0, 3 * nTok), Math.floor);
      const counts = new Uint32Array(dSae);
      const b = { feat: zeros(device, 2 * dSae), sinceFired: upload(device, since), fireCount: zeros(device, dSae), deadInfo: zeros(device, 4), metrics: zeros(device, 16) };
      const calls = featureStatsCalls(device, b, { nTok, dSae, window, denseFrac });
      let expected = { dead: 0, dense: 0 };
      for (let s = 0; s < 3; s++) {
        const fires = Float32Array.from(randomArray(dSae, 10 + s, -nTok, nTok + 1), (v) => Math.max(0, Math.floor(v)));
        const feat = new Float32Array([...new Float32Array(dSae), ...fires]);
        device.queue.writeBuffer(b.feat, 0, feat.buffer, feat.byteOffset, feat.byteLength);
        await runChecked(device, [calls.update, calls.count]);
        featureUpdateReference(feat, since, counts, nTok, dSae);
        expected = featureCountReference(feat, since, nTok, dSae, window, denseFrac);
      }
      expect(Array.from(await readU32(device, b.sinceFired, dSae))).toEqual(Array.from(since));
      expect(Array.from(await readU32(device, b.fireCount, dSae))).toEqual(Array.from(counts));
      const info = await readU32(device, b.deadInfo, 4);
      expect([info[0], info[1]]).toEqual([expected.dead, expected.dense]);
      const metrics = await readF32(device, b.metrics, 16);
      expect([metrics[8], metrics[9]]).toEqual([expected.dead, expected.dense]);
    });
  }

  it('sums dead and dense counts over column shards (nTok=37, shards 20/20/8)', async () => {
    const { device } = await nodeDevice();
    const [nTok, window, denseFrac] = [37, 74, 0.3];
    const shards = shardsOf([20, 20, 8]);
    const since = Uint32Array.from(randomArray(48, 3, 0, 3 * nTok), Math.floor);
    const fires = Float32Array.from(randomArray(48, 4, -nTok, nTok + 1), (v) => Math.max(0, Math.floor(v)));
    const sinceShards = splitRows(since, 1, shards);
    const firesShards = splitRows(fires, 1, shards);
    const deadInfo = upload(device, new Uint32Array([99, 99, 0, 0]));
    const metrics = zeros(device, 16);
    const calls = shards.map((sh, s) => {
      const feat = new Float32Array([...new Float32Array(sh.size), ...firesShards[s]]);
      const b = { feat: upload(device, feat), sinceFired: upload(device, sinceShards[s]), fireCount: zeros(device, sh.size), deadInfo, metrics };
      return featureStatsCalls(device, b, { nTok, dSae: sh.size, window, denseFrac, accumulate: s > 0 }).count;
    });
    await runChecked(device, calls);
    const expected = featureCountReference(new Float32Array([...new Float32Array(48), ...fires]), since, nTok, 48, window, denseFrac);
    const info = await readU32(device, deadInfo, 4);
    expect([info[0], info[1]]).toEqual([expected.dead, expected.dense]);
    const m = await readF32(device, metrics, 16);
    expect([m[8], m[9]]).toEqual([expected.dead, expected.dense]);
  });
});
