// Chat templates rendered from tokenizer_config.json: the demo fixture's ChatML template gives the exact
// prompt string a chat model expects, the same as transformers.js' apply_chat_template; configs without
// a template, with named templates or AddedToken special tokens, and broken templates.
import { describe, expect, it } from 'vitest';
import { applyChatTemplate, chatTemplateOf } from './chatTemplate';
import { LmError } from './errors';
import { fixture } from './testing';

const config = (name: string) => JSON.parse(new TextDecoder().decode(fixture(name).files.get('tokenizer_config.json'))) as Record<string, unknown>;
const tokenizerJson = (name: string) => JSON.parse(new TextDecoder().decode(fixture(name).files.get('tokenizer.json'))) as object;

describe('applyChatTemplate', () => {
  it('renders a user message through the demo model\'s ChatML template with the assistant header', () => {
    expect(applyChatTemplate(config('tiny-gpt2'), [{ role: 'user', content: 'Hi there' }])).toBe('<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n');
    expect(applyChatTemplate(config('tiny-gpt2'), [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], false)).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n',
    );
  });

  it('gives the same prompt as transformers.js apply_chat_template on the same files', async () => {
    const { PreTrainedTokenizer } = await import('@huggingface/transformers');
    const hf = new PreTrainedTokenizer(tokenizerJson('tiny-gpt2'), config('tiny-gpt2'));
    const messages = [{ role: 'user' as const, content: 'What is the weather like?' }];
    expect(applyChatTemplate(config('tiny-gpt2'), messages)).toBe(hf.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true }));
  });

  it('passes special tokens, strings or AddedToken objects, and picks the default of named templates', () => {
    const cfg = {
      bos_token: { content: '<s>', lstrip: false },
      eos_token: '</s>',
      chat_template: [
        { name: 'tool_use', template: 'tools' },
        { name: 'default', template: "{{ bos_token }}{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}{{ eos_token }}{% endfor %}" },
      ],
    };
    expect(applyChatTemplate(cfg, [{ role: 'user', content: 'hello' }])).toBe('<s>[user] hello</s>');
  });

  it('says the model has no chat template when the config has none', () => {
    expect(chatTemplateOf(config('tiny-llama'))).toBeUndefined();
    expect(() => applyChatTemplate(config('tiny-llama'), [{ role: 'user', content: 'x' }])).toThrow(/This model has no chat template/);
  });

  it('reports a template that does not parse as an LmError naming the template', () => {
    expect(() => applyChatTemplate({ chat_template: '{% for m in messages %}' }, [{ role: 'user', content: 'x' }])).toThrow(LmError);
    expect(() => applyChatTemplate({ chat_template: '{% for m in messages %}' }, [{ role: 'user', content: 'x' }])).toThrow(/chat template could not be rendered/);
  });
});
