// Graph surgery against the TypeScript reference: exposed hooks, steering and splicing on every
// fixture family (GPT-2, Llama, their fused forms, external data), plus the structural locator.
import { describe, expect, it } from 'vitest';
import { expectClose, randomArray } from '@/gpu/testing';
import { LmError } from './errors';
import { listHooks } from './hooks';
import { DataType, decodeModel, toNumber } from './onnx/proto';
import { referenceForward } from './reference/forward';
import { hookModel, locateResidualChain, type SurgeryPlan } from './surgery';
import { f32, fixture, fixtureSession } from './testing';

const FAMILIES = ['tiny-gpt2', 'tiny-gpt2-fused', 'tiny-llama', 'tiny-llama-fused', 'tiny-llama-external'];
const SEQS = [
  [3, 104, 101, 108, 108, 111, 32, 119, 111],
  [276, 65, 66, 67, 260, 270, 271, 120, 121],
];
const TOL = { atol: 1e-4, rtol: 0 };

/** Runs SEQS through a hooked fixture; `extra` gives per-row stream feeds, `fixed` whole tensors (clamp inputs). */
async function runRows(
  name: string,
  plan: SurgeryPlan,
  extra: (row: number) => Record<string, Float32Array> = () => ({}),
  fixed: Record<string, ReturnType<typeof f32>> = {},
) {
  const { session, fixture: f } = await fixtureSession(name, plan);
  const d = f.spec.dModel;
  const seq = SEQS[0].length;
  const feeds: Record<string, Float32Array[]> = {};
  for (let r = 0; r < SEQS.length; r++) for (const [k, v] of Object.entries(extra(r))) (feeds[k] ??= []).push(v);
  const extraTensors = Object.fromEntries(
    Object.entries(feeds).map(([k, rows]) => {
      if (rows[0].length === d) return [k, f32([d], rows[0])];
      const data = new Float32Array(rows.length * rows[0].length);
      rows.forEach((row, i) => data.set(row, i * row.length));
      return [k, f32([rows.length, seq, d], data)];
    }),
  );
  const out = await session.forward({ inputIds: SEQS.flat(), batch: SEQS.length, extra: { ...extraTensors, ...fixed } });
  await session.release();
  return { out, f, seq, d };
}

function row(data: unknown, r: number, width: number): Float32Array {
  return (data as Float32Array).subarray(r * width, (r + 1) * width);
}

describe.each(FAMILIES)('%s', (name) => {
  it('exposes every hook point matching the reference (≤ 1e-4) and leaves logits bit-identical', async () => {
    const hooks = listHooks(2);
    const base = await runRows(name, {});
    const { out, f, seq, d } = await runRows(name, { expose: hooks });
    expect(out.logits.data).toEqual(base.out.logits.data);
    for (let r = 0; r < SEQS.length; r++) {
      const ref = referenceForward(f.spec, f.weights, SEQS[r]);
      expectClose(row(out.logits.data, r, seq * f.spec.vocabSize), ref.logits, TOL);
      for (const h of hooks) {
        expect(out[h].dims).toEqual([SEQS.length, seq, d]);
        expectClose(row(out[h].data, r, seq * d), ref.hooks[h], TOL);
      }
    }
  });

  it('steer = 0 at every hook leaves logits bit-identical', async () => {
    const hooks = listHooks(2);
    const base = await runRows(name, {});
    const zeros = (r: number) => Object.fromEntries(hooks.map((h, i) => [`steer.${h}`, new Float32Array(i % 2 ? 48 : 48 * SEQS[r].length)]));
    const steered = await runRows(name, { steer: hooks }, zeros);
    expect(steered.out.logits.data).toEqual(base.out.logits.data);
  });

  it('a nonzero steer matches the reference steered logits and hooks', async () => {
    const steerHooks = ['blocks.0.hook_resid_post', 'blocks.1.hook_attn_out', 'blocks.1.hook_resid_mid'];
    const perPos = randomArray(48 * SEQS[0].length, 7, -0.5, 0.5);
    const broadcast = randomArray(48, 8, -1, 1);
    const vectors: Record<string, Float32Array> = {
      'blocks.0.hook_resid_post': broadcast,
      'blocks.1.hook_attn_out': perPos,
      'blocks.1.hook_resid_mid': broadcast.map((x) => -x),
    };
    const extra = () => Object.fromEntries(steerHooks.map((h) => [`steer.${h}`, vectors[h]]));
    const { out, f, seq } = await runRows(name, { steer: steerHooks, expose: ['blocks.1.hook_resid_post'] }, extra);
    const plain = referenceForward(f.spec, f.weights, SEQS[0]);
    for (let r = 0; r < SEQS.length; r++) {
      const ref = referenceForward(f.spec, f.weights, SEQS[r], { steer: vectors });
      expectClose(row(out.logits.data, r, seq * f.spec.vocabSize), ref.logits, TOL);
      expectClose(row(out['blocks.1.hook_resid_post'].data, r, seq * 48), ref.hooks['blocks.1.hook_resid_post'], TOL);
    }
    const moved = row(out.logits.data, 0, seq * f.spec.vocabSize).some((x, i) => Math.abs(x - plain.logits[i]) > 1e-2);
    expect(moved).toBe(true);
  });

  it('splicing a hook returns the reference spliced logits', async () => {
    const hook = 'blocks.1.hook_resid_pre';
    const replacement = (r: number) => randomArray(48 * SEQS[r].length, 11 + r, -2, 2);
    const { out, f, seq } = await runRows(name, { splice: [hook], expose: [hook, 'blocks.1.hook_mlp_out'] }, (r) => ({
      [`splice.${hook}`]: replacement(r),
    }));
    for (let r = 0; r < SEQS.length; r++) {
      const ref = referenceForward(f.spec, f.weights, SEQS[r], { splice: { [hook]: replacement(r) } });
      expectClose(row(out[hook].data, r, seq * 48), replacement(r), { atol: 0, rtol: 0 });
      expectClose(row(out['blocks.1.hook_mlp_out'].data, r, seq * 48), ref.hooks['blocks.1.hook_mlp_out'], TOL);
      expectClose(row(out.logits.data, r, seq * f.spec.vocabSize), ref.logits, TOL);
    }
  });
});

describe('locateResidualChain', () => {
  it('finds the GPT-2 residual adds structurally, not the confusable ln_1/Add_1', () => {
    const graph = decodeModel(fixture('tiny-gpt2').files.get('onnx/model.onnx')!).graph;
    const names = graph.node.flatMap((n) => n.output);
    expect(names).toContain('/transformer/h.0/ln_1/Add_1_output_0');
    const chain = locateResidualChain(graph);
    expect(chain.embed).toBe('/transformer/Add_output_0');
    expect(chain.sites.map((s) => s.node.output[0])).toEqual([
      '/transformer/h.0/Add_output_0',
      '/transformer/h.0/Add_1_output_0',
      '/transformer/h.1/Add_output_0',
      '/transformer/h.1/Add_1_output_0',
    ]);
    // torch writes `attn_output + residual`: the branch is operand 0 there.
    expect(chain.sites[0].branchIndex).toBe(0);
    expect(chain.sites[1].branchIndex).toBe(1);
  });

  it('finds the Llama residual adds under /model/layers.N', () => {
    const chain = locateResidualChain(decodeModel(fixture('tiny-llama').files.get('onnx/model.onnx')!).graph);
    expect(chain.embed).toBe('/model/embed_tokens/Gather_output_0');
    expect(chain.sites.map((s) => s.node.name)).toEqual(['/model/layers.0/Add', '/model/layers.0/Add_1', '/model/layers.1/Add', '/model/layers.1/Add_1']);
  });

  it('sees through the no-op Cast torch records for HF RMSNorm on the residual path, plain and fused', () => {
    for (const name of ['tiny-llama', 'tiny-llama-fused']) {
      const graph = decodeModel(fixture(name).files.get('onnx/model.onnx')!).graph;
      const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
      const chain = locateResidualChain(graph);
      expect(chain.sites).toHaveLength(4);
      // Every later site's residual operand is a Cast (to FLOAT) of the previous site's sum.
      for (const s of chain.sites.slice(1)) {
        const cast = producer.get(s.node.input[s.residualIndex])!;
        expect([cast.opType, toNumber(cast.attribute.find((a) => a.name === 'to')?.i)]).toEqual(['Cast', DataType.FLOAT]);
      }
    }
  });

  it('sees through Identity nodes on the residual path and refuses a Cast that changes the type', () => {
    const model = decodeModel(fixture('tiny-gpt2').files.get('onnx/model.onnx')!);
    const add = model.graph.node.find((n) => n.name === '/transformer/h.1/Add')!;
    const r = add.input[1];
    model.graph.node.splice(model.graph.node.indexOf(add), 0, { name: '/x/Identity', opType: 'Identity', input: [r], output: ['/x/id'], attribute: [], domain: '' });
    add.input[1] = '/x/id';
    expect(locateResidualChain(model.graph).sites).toHaveLength(4);
    const cast = model.graph.node.find((n) => n.name === '/x/Identity')!;
    Object.assign(cast, { opType: 'Cast', attribute: [{ name: 'to', type: 2, i: DataType.FLOAT16 }] });
    const e = (() => {
      try {
        locateResidualChain(model.graph);
      } catch (err) {
        return err as LmError;
      }
    })();
    expect(e?.code).toBe('UNSUPPORTED_GRAPH');
    // The cast operand no longer feeds the attention branch, so block 1's first Add is no residual site.
    expect(e?.details).toMatchObject({ pattern: 'a residual chain reaching back to the embeddings', stoppedAt: '/transformer/h.1/Add_output_0', residualAdds: 1 });
  });

  it('walks fused Skip*Normalization nodes, including a final norm without output #3', () => {
    for (const [name, op] of [['tiny-gpt2-fused', 'SkipLayerNormalization'], ['tiny-llama-fused', 'SkipSimplifiedLayerNormalization']]) {
      const graph = decodeModel(fixture(name).files.get('onnx/model.onnx')!).graph;
      const chain = locateResidualChain(graph);
      expect(chain.sites).toHaveLength(4);
      expect(chain.sites.every((s) => s.fused && s.node.opType === op)).toBe(true);
      expect(chain.sites[3].node.output).toHaveLength(1);
    }
  });
});

describe('surgery errors', () => {
  const bytes = () => fixture('tiny-gpt2').files.get('onnx/model.onnx')!;
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(LmError);
      const err = e as LmError;
      expect(err.message.length).toBeGreaterThan(10);
      return { code: err.code, details: err.details, message: err.message };
    }
    throw new Error('expected an LmError');
  };

  it('rejects a layer index out of range', () => {
    const e = codeOf(() => hookModel(bytes(), { expose: ['blocks.2.hook_resid_post'] }));
    expect(e.code).toBe('LAYER_OUT_OF_RANGE');
    expect(e.details).toMatchObject({ layer: 2, nLayers: 2 });
  });

  it('rejects an unknown hook name', () => {
    expect(codeOf(() => hookModel(bytes(), { steer: ['blocks.0.hook_z'] })).code).toBe('UNKNOWN_HOOK');
  });

  it("builds a 'topk' clamp's ranking in as constants, and refuses one without a valid ranking", () => {
    const plan: SurgeryPlan = { clamp: ['blocks.1.hook_resid_pre'], clampActivation: 'topk' };
    const rank = { encoder: randomArray(48 * 6, 1), bEnc: randomArray(6, 2), k: 2 };
    const out = hookModel(bytes(), plan, { rank });
    const c = 'clamp.blocks.1.hook_resid_pre';
    expect(out.signature.inputs.filter((n) => n.startsWith(c)).sort()).toEqual(['b_dec', 'b_enc', 'decoder', 'encoder', 'latent', 'ranked', 'threshold', 'value'].map((n) => `${c}.${n}`));
    const inits = new Map(decodeModel(out.bytes).graph.initializer.map((t) => [t.name, t]));
    expect(inits.get(`${c}.encoder_all`)?.dims.map((x) => toNumber(x))).toEqual([48, 6]);
    expect(new Float32Array(Uint8Array.from(inits.get(`${c}.encoder_all`)!.rawData!).buffer)).toEqual(rank.encoder);
    expect(inits.get(`${c}.b_enc_all`)?.dims.map((x) => toNumber(x))).toEqual([6]);
    expect(inits.has(`${c}.k`)).toBe(true);
    expect(codeOf(() => hookModel(bytes(), plan)).message).toMatch(/ranks with its TopK SAE's encoder/);
    expect(codeOf(() => hookModel(bytes(), plan, { rank: { ...rank, k: 7 } })).details).toMatchObject({ dSae: 6, k: 7 });
    expect(codeOf(() => hookModel(bytes(), plan, { rank: { ...rank, encoder: randomArray(13, 1) } })).code).toBe('BAD_INPUT');
  });

  it('rejects truncated and corrupt model bytes', () => {
    const b = bytes();
    expect(codeOf(() => hookModel(b.subarray(0, b.length >> 1), {})).code).toBe('INVALID_MODEL');
    const garbage = randomArray(4096, 3).map((x) => x * 1000);
    expect(codeOf(() => hookModel(new Uint8Array(garbage.buffer), {})).code).toBe('INVALID_MODEL');
  });

  it('names the missing pattern for an unsupported graph', () => {
    const model = decodeModel(bytes());
    // Cut the residual stream: block 1's attention add now sums two unrelated tensors.
    const add = model.graph.node.find((n) => n.name === '/transformer/h.1/Add')!;
    add.input = [add.input[0], add.input[0]];
    const graph = model.graph;
    graph.output = graph.output.filter((o) => o.name !== 'logits');
    const e = codeOf(() => locateResidualChain(graph));
    expect(e.code).toBe('UNSUPPORTED_GRAPH');
    expect(e.details.pattern).toBe('a graph output named "logits"');
  });

  it('reports a broken residual chain', () => {
    const model = decodeModel(bytes());
    const add = model.graph.node.find((n) => n.name === '/transformer/h.0/Add_1')!;
    add.input = [add.input[1], add.input[1]];
    const e = codeOf(() => locateResidualChain(model.graph));
    expect(e.code).toBe('UNSUPPORTED_GRAPH');
    expect(e.message).toContain('a residual chain reaching back to the embeddings');
    expect(e.details).toMatchObject({ stoppedAt: '/transformer/h.0/mlp/c_proj/Add_output_0', residualAdds: 3 });
  });
});

describe('pruneToHooks', () => {
  it('keeps only what an early hook needs and returns the same values', async () => {
    const hook = 'blocks.0.hook_resid_mid';
    for (const name of ['tiny-gpt2', 'tiny-llama-fused']) {
      const full = await fixtureSession(name, { expose: [hook] });
      const pruned = await fixtureSession(name, { expose: [hook], pruneToHooks: true });
      expect(pruned.surgery.signature.outputs).toEqual([hook]);
      // Block 0 still reads its (empty) cache; block 1's cache and every present.* are gone.
      expect(pruned.surgery.signature.inputs.filter((i) => i.startsWith('past_key_values'))).toEqual(['past_key_values.0.key', 'past_key_values.0.value']);
      const nodes = (b: Uint8Array) => decodeModel(b).graph.node;
      expect(nodes(pruned.surgery.bytes).length).toBeLessThan(nodes(full.surgery.bytes).length * 0.7);
      expect(nodes(pruned.surgery.bytes).some((n) => /\/(h|layers)\.1\/|lm_head/.test(n.name))).toBe(false);
      const ids = SEQS.flat();
      const a = await full.session.forward({ inputIds: ids, batch: 2 });
      const b = await pruned.session.forward({ inputIds: ids, batch: 2 });
      expect(Object.keys(b)).toEqual([hook]);
      expect(b[hook].data).toEqual(a[hook].data);
      await full.session.release();
      await pruned.session.release();
    }
  });
});

describe('stacked edits', () => {
  it.each(FAMILIES)('%s: steering resid_post(0) and its alias resid_pre(1) adds both, in order', async (name) => {
    const post = 'blocks.0.hook_resid_post';
    const pre = 'blocks.1.hook_resid_pre';
    const vectors = { [post]: randomArray(48, 41), [pre]: randomArray(48, 42) };
    const { out, f, seq } = await runRows(name, { steer: [post, pre], expose: [post, pre] }, () => ({
      [`steer.${post}`]: vectors[post],
      [`steer.${pre}`]: vectors[pre],
    }));
    const ref = referenceForward(f.spec, f.weights, SEQS[0], { steer: vectors });
    expectClose(row(out.logits.data, 0, seq * f.spec.vocabSize), ref.logits, TOL);
    expectClose(row(out[pre].data, 0, seq * 48), ref.hooks[pre], TOL);
    if (!name.includes('fused')) expectClose(row(out[post].data, 0, seq * 48), ref.hooks[post], TOL);
  });
});

describe('hooks downstream of an edit', () => {
  const edited = 'blocks.0.hook_resid_post';
  const later = ['blocks.1.hook_resid_pre', 'blocks.1.hook_attn_out', 'blocks.1.hook_resid_mid', 'blocks.1.hook_resid_post'];
  const d = 48;
  const k = 3;
  const clamp = {
    encoder: randomArray(d * k, 51, -0.3, 0.3),
    decoder: randomArray(k * d, 52, -1, 1),
    bEnc: randomArray(k, 53, 0, 0.5),
    bDec: randomArray(d, 54, -0.2, 0.2),
    value: Float32Array.of(4, 0, 2.5),
  };
  const steer = randomArray(d, 55, -1, 1);
  const splice = (r: number) => randomArray(d * SEQS[r].length, 56 + r, -2, 2);

  it.each(FAMILIES.flatMap((name) => (['steer', 'splice', 'clamp'] as const).map((op) => [name, op] as const)))(
    '%s: a %s at resid_post(0) reaches resid_pre(1) and every later exposed hook, as in the reference',
    async (name, op) => {
      const feeds = (r: number): Record<string, Float32Array> => {
        if (op === 'steer') return { [`steer.${edited}`]: steer };
        if (op === 'splice') return { [`splice.${edited}`]: splice(r) };
        return {};
      };
      const c = `clamp.${edited}`;
      const clampFeeds: Record<string, ReturnType<typeof f32>> =
        op === 'clamp'
          ? {
              [`${c}.encoder`]: f32([d, k], clamp.encoder),
              [`${c}.decoder`]: f32([k, d], clamp.decoder),
              [`${c}.b_enc`]: f32([k], clamp.bEnc),
              [`${c}.b_dec`]: f32([d], clamp.bDec),
              [`${c}.value`]: f32([k], clamp.value),
            }
          : {};
      const { out, f, seq } = await runRows(name, { [op]: [edited], expose: [edited, ...later] }, feeds, clampFeeds);
      for (let r = 0; r < SEQS.length; r++) {
        const opts = op === 'steer' ? { steer: { [edited]: steer } } : op === 'splice' ? { splice: { [edited]: splice(r) } } : { clamp: { [edited]: clamp } };
        const ref = referenceForward(f.spec, f.weights, SEQS[r], opts);
        const plain = referenceForward(f.spec, f.weights, SEQS[r]);
        expect(ref.hooks[later[0]]).toEqual(ref.hooks[edited]);
        expect(ref.hooks[later[0]].some((x, i) => Math.abs(x - plain.hooks[later[0]][i]) > 1e-2)).toBe(true);
        for (const h of [edited, ...later]) expectClose(row(out[h].data, r, seq * d), ref.hooks[h], TOL);
        expectClose(row(out.logits.data, r, seq * f.spec.vocabSize), ref.logits, TOL);
      }
    },
  );
});
