// W_U from the fixture GPT-2's initializers as exporters write it: a plain lm_head, the tied
// embedding behind a Transpose (torch) or a Gemm with transB, float16, external data; and a
// model whose logits come from no stored weight is refused with the reason.
import { describe, expect, it } from 'vitest';
import { floatToHalf } from '../lm/half';
import { DataType, decodeModel, encodeModel, type ModelProto } from '../lm/onnx/proto';
import { fixture } from '../lm/testing';
import { findUnembedding, UnembeddingError } from './unembedding';

const f = fixture('tiny-gpt2');
const D = f.spec.dModel;
const V = f.spec.vocabSize;

function edited(edit: (m: ModelProto) => void): Uint8Array {
  const m = decodeModel(f.files.get('onnx/model.onnx')!);
  edit(m);
  return encodeModel(m);
}

const lmHead = (m: ModelProto) => m.graph.node.find((n) => n.output.includes('logits'))!;

describe('findUnembedding', () => {
  it('reads a [d_model, vocab] lm_head equal to the reference forward pass’s', () => {
    const u = findUnembedding(f.files.get('onnx/model.onnx')!, [], D);
    expect(u).toMatchObject({ dModel: D, vocab: V, source: 'lm_head.weight', transposed: false });
    expect(u.W_U).toEqual(f.weights.lmHead);
  });

  it('follows a tied embedding through Transpose (torch’s export of lm_head = wteᵀ)', () => {
    const bytes = edited((m) => {
      m.graph.initializer = m.graph.initializer.filter((t) => t.name !== 'lm_head.weight');
      m.graph.node.push({ name: '/lm_head/Transpose', opType: 'Transpose', input: ['transformer.wte.weight'], output: ['wte_t'], attribute: [] });
      lmHead(m).input[1] = 'wte_t';
    });
    const u = findUnembedding(bytes, [], D);
    expect(u).toMatchObject({ source: 'transformer.wte.weight', transposed: true, vocab: V });
    expect(u.W_U).toEqual(f.weights.lmHead);
  });

  it('reads Gemm with transB = 1 on the embedding, and float16 weights', () => {
    const bytes = edited((m) => {
      const wte = m.graph.initializer.find((t) => t.name === 'transformer.wte.weight')!;
      const values = new Float32Array(new Uint8Array(wte.rawData!).buffer);
      wte.dataType = DataType.FLOAT16;
      wte.rawData = new Uint8Array(Uint16Array.from(values, floatToHalf).buffer);
      const node = lmHead(m);
      node.opType = 'Gemm';
      node.input[1] = 'transformer.wte.weight';
      node.attribute = [{ name: 'transB', type: 2, i: 1 }];
    });
    const u = findUnembedding(bytes, [], D);
    expect(u.transposed).toBe(true);
    for (let i = 0; i < u.W_U.length; i++) expect(Math.abs(u.W_U[i] - f.weights.lmHead[i])).toBeLessThan(2e-3);
  });

  it('reads external data', () => {
    const ext = fixture('tiny-llama-external');
    const u = findUnembedding(ext.files.get('onnx/model.onnx')!, [{ path: 'model.onnx_data', data: ext.files.get('onnx/model.onnx_data')! }], D);
    expect(u.W_U).toEqual(ext.weights.lmHead);
  });

  it('refuses a model whose logits come from no stored weight, saying what it found', () => {
    const bytes = edited((m) => {
      const node = lmHead(m);
      node.input[1] = node.input[0];
    });
    expect(() => findUnembedding(bytes, [], D)).toThrow(UnembeddingError);
    expect(() => findUnembedding(bytes, [], D)).toThrow(/is computed, not stored as an initializer/);
    expect(() => findUnembedding(f.files.get('onnx/model.onnx')!, [], 64)).toThrow(/expected \[d_model, vocab\] with d_model 64/);
  });
});
