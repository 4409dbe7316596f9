// Chat templates: a model's `chat_template` from tokenizer_config.json rendered with @huggingface/jinja
// (the engine transformers.js uses, without its ONNX runtime) into the prompt a chat model expects.
import { Template } from '@huggingface/jinja';
import { LmError } from './errors';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const SPECIAL_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token'] as const;

/** The config's chat template, or undefined; a list of named templates yields the `default` one. */
export function chatTemplateOf(tokenizerConfig: object): string | undefined {
  const t = (tokenizerConfig as { chat_template?: unknown }).chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: unknown; template?: unknown }[];
    const pick = named.find((n) => n.name === 'default') ?? named[0];
    return typeof pick?.template === 'string' ? pick.template : undefined;
  }
  return undefined;
}

/**
 * Renders `messages` through the model's template with the special tokens as variables (strings, or
 * AddedToken objects' `content`), as transformers' `apply_chat_template(…, tokenize=False)` does.
 */
export function applyChatTemplate(tokenizerConfig: object, messages: ChatMessage[], addGenerationPrompt = true): string {
  const source = chatTemplateOf(tokenizerConfig);
  if (!source) throw new LmError('BAD_INPUT', 'This model has no chat template (no chat_template in its tokenizer_config.json); write the prompt as plain text.', { field: 'chatTemplate' });
  const vars: Record<string, unknown> = { messages, add_generation_prompt: addGenerationPrompt };
  for (const name of SPECIAL_TOKENS) {
    const v = (tokenizerConfig as Record<string, unknown>)[name];
    const text = typeof v === 'string' ? v : (v as { content?: unknown } | null)?.content;
    if (typeof text === 'string') vars[name] = text;
  }
  try {
    return new Template(source).render(vars);
  } catch (e) {
    throw new LmError('INVALID_CONFIG', `The model's chat template could not be rendered: ${(e as Error).message}`, { field: 'chatTemplate', cause: (e as Error).message });
  }
}
