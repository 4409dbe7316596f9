// The extraction form: hook validated against the model's depth, template bodies without the pasted text.
import { describe, expect, it } from 'vitest';
import { summarizeConfig } from '../../lm/config';
import { validateTemplateBody } from '../../storage/templates';
import { DEFAULT_EXTRACT_FORM, templateBody, toExtractParams, validateExtractForm } from './form';

const model = summarizeConfig({ model_type: 'gpt2', n_layer: 2, n_embd: 48, n_head: 4, vocab_size: 278, n_positions: 128 });

describe('extraction form', () => {
  it('a layer out of range is refused with the runtime message', () => {
    const e = validateExtractForm({ ...DEFAULT_EXTRACT_FORM, modelId: 'm', text: 'x', layer: 2 }, model);
    expect(e.layer).toBe('Layer 2 is out of range: the model has 2 layers (0–1)');
  });

  it('a context longer than the model window, empty text and a missing model are refused', () => {
    const e = validateExtractForm({ ...DEFAULT_EXTRACT_FORM, contextSize: 129 }, undefined);
    expect(Object.keys(e).sort()).toEqual(['modelId', 'text']);
    expect(validateExtractForm({ ...DEFAULT_EXTRACT_FORM, modelId: 'm', text: 'x', contextSize: 129 }, model).contextSize).toMatch(/128 tokens/);
  });

  it('a valid form gives job params with the TransformerLens hook name', () => {
    const f = { ...DEFAULT_EXTRACT_FORM, modelId: 'm', text: 'hello', layer: 1, hookKind: 'hook_mlp_out' as const };
    expect(validateExtractForm(f, model)).toEqual({});
    expect(toExtractParams(f, 'act_1', '')).toMatchObject({ setId: 'act_1', hook: 'blocks.1.hook_mlp_out', source: { type: 'text', text: 'hello' } });
  });

  it('a template body passes the registered schema and leaves the pasted text out', () => {
    const body = templateBody({ ...DEFAULT_EXTRACT_FORM, text: 'secret' });
    expect(body).not.toHaveProperty('text');
    expect(validateTemplateBody('extraction', body)).toEqual(body);
  });
});
