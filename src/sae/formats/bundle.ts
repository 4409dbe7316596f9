// SAE folders as files: a SAELens export packed in one zip, and an import from any set of files
// (a zip, or a folder's files picked together) recognised as SAELens or sparsify, then checked
// against what the caller expects (d_in, hook) before anything is stored.
import { strToU8, unzipSync, zipSync } from 'fflate';
import type { Architecture, SaeWeights } from '../types';
import { SaeFormatError, type Json } from './common';
import { foldDecoderNorm } from './fold';
import { importSaeLens, type SaeLensExport } from './saelens';
import { importSparsify } from './sparsify';

/** One file of an SAE folder; `name` may carry folders ("my-sae/cfg.json"). */
export interface SaeFile {
  name: string;
  bytes: Uint8Array;
}

export type SaeFileFormat = 'saelens' | 'sparsify';

/** An SAE read from files, in the SaeWeights layout with the context its cfg.json gave. */
export interface ImportedSae {
  format: SaeFileFormat;
  /** The folder the files came from ('' at the top level). */
  folder: string;
  weights: SaeWeights;
  architecture: Exclude<Architecture, 'batchtopk'>;
  k?: number;
  /** sparsify cfg.json names neither; null then. */
  modelName: string | null;
  hookName: string | null;
  hookLayer: number | null;
  contextSize: number | null;
  datasetPath: string | null;
  logSparsity?: Float32Array;
  cfg: Json;
}

/** What the SAE must fit: the width of the activations it will read and, with a model, its hook. */
export interface ImportExpectation {
  dIn?: number;
  hookName?: string;
  /** The chosen model's hook points (TransformerLens names) and its name: the SAE's hook must be one of them. */
  model?: { name: string; hookPoints: readonly string[] };
}

export interface ReadOptions {
  /** SAELens's fold_W_dec_norm (see fold.ts), applied as the files are read. */
  foldDecoderNorm?: boolean;
}

/**
 * A hook name in TransformerLens spelling: SAELens names are already; sparsify's module paths map
 * (`layers.N` / `h.N` → blocks.N.hook_resid_post, `….mlp` → hook_mlp_out, `….self_attn`/`.attn` → hook_attn_out).
 */
export function transformerLensHook(sae: Pick<ImportedSae, 'format' | 'hookName'>): string | null {
  if (sae.hookName === null || sae.format === 'saelens') return sae.hookName;
  const m = /^(?:(?:model|transformer|gpt_neox)\.)?(?:layers|h)\.(\d+)(?:\.(mlp|self_attn|attn))?$/.exec(sae.hookName);
  if (!m) return null;
  return `blocks.${m[1]}.${m[2] === 'mlp' ? 'hook_mlp_out' : m[2] ? 'hook_attn_out' : 'hook_resid_post'}`;
}

export const SAELENS_FILES = { cfg: 'cfg.json', weights: 'sae_weights.safetensors', sparsity: 'sparsity.safetensors' } as const;
export const SPARSIFY_WEIGHTS = 'sae.safetensors';

/** The SAELens folder `folder/` (cfg.json, sae_weights.safetensors, sparsity.safetensors) as one zip. */
export function packSaeLensZip(folder: string, files: SaeLensExport): Uint8Array<ArrayBuffer> {
  const entries: Record<string, Uint8Array> = {
    [`${folder}/${SAELENS_FILES.cfg}`]: strToU8(files.cfgJson),
    [`${folder}/${SAELENS_FILES.weights}`]: files.weights,
  };
  if (files.sparsity) entries[`${folder}/${SAELENS_FILES.sparsity}`] = files.sparsity;
  // Safetensors of random-looking floats barely compress; storing keeps export fast.
  return zipSync(entries, { level: 0 });
}

/** A name safe as a folder or file name on every OS. */
export function safeFileName(name: string): string {
  return name.trim().replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '') || 'sae';
}

const isZip = (f: SaeFile) => f.name.toLowerCase().endsWith('.zip') || (f.bytes[0] === 0x50 && f.bytes[1] === 0x4b && f.bytes[2] === 0x03 && f.bytes[3] === 0x04);

/** Zips are opened in place; every other file is kept as given. */
export function expandFiles(files: SaeFile[]): SaeFile[] {
  const out: SaeFile[] = [];
  for (const f of files) {
    if (!isZip(f)) {
      out.push(f);
      continue;
    }
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(f.bytes);
    } catch (e) {
      throw new SaeFormatError('invalid-archive', `${f.name} is not a readable zip (${e instanceof Error ? e.message : String(e)}); it may be truncated.`, { file: f.name });
    }
    for (const [name, bytes] of Object.entries(entries)) if (!name.endsWith('/') && !name.startsWith('__MACOSX/')) out.push({ name, bytes });
  }
  return out;
}

const baseName = (name: string) => name.slice(name.lastIndexOf('/') + 1);
const folderOf = (name: string) => name.slice(0, Math.max(0, name.lastIndexOf('/')));

/**
 * Finds the one SAE among `files` (zips expanded) and reads it with full validation:
 * sae_weights.safetensors beside cfg.json is SAELens, sae.safetensors is sparsify.
 */
export function readSaeFiles(input: SaeFile[], opts: ReadOptions = {}): ImportedSae {
  const sae = readFiles(input);
  return opts.foldDecoderNorm ? { ...sae, weights: foldDecoderNorm(sae.weights, sae.architecture) } : sae;
}

function readFiles(input: SaeFile[]): ImportedSae {
  const files = expandFiles(input);
  // 1. One folder with a cfg.json.
  const cfgs = files.filter((f) => baseName(f.name) === SAELENS_FILES.cfg);
  if (cfgs.length === 0) {
    throw new SaeFormatError('missing-file', `No cfg.json among ${files.map((f) => f.name).join(', ') || 'the files given'}: pick the SAE folder's cfg.json with its .safetensors files, or its zip.`);
  }
  if (cfgs.length > 1) {
    throw new SaeFormatError('invalid-archive', `These files hold ${cfgs.length} SAEs (${cfgs.map((c) => folderOf(c.name) || '.').join(', ')}); import one folder at a time.`, {
      folders: cfgs.map((c) => folderOf(c.name)),
    });
  }
  const folder = folderOf(cfgs[0].name);
  const inFolder = (base: string) => files.find((f) => folderOf(f.name) === folder && baseName(f.name) === base);
  const cfgText = decodeUtf8(cfgs[0]);

  // 2. The layout, by its weights file.
  const saelensWeights = inFolder(SAELENS_FILES.weights);
  const sparsifyWeights = inFolder(SPARSIFY_WEIGHTS);
  if (saelensWeights) {
    const r = importSaeLens(cfgText, saelensWeights.bytes, inFolder(SAELENS_FILES.sparsity)?.bytes);
    if (r.normalizeActivations !== 'none') {
      throw new SaeFormatError(
        'unsupported-normalization',
        `SAELens cfg.json: normalize_activations is "${r.normalizeActivations}", whose scaling factor is not in these files; fold it into the weights (SAELens fold_activation_norm_scaling_factor) and export again.`,
        { normalizeActivations: r.normalizeActivations },
      );
    }
    if (!r.applyBDecToInput && r.weights.b_dec.some((v) => v !== 0)) {
      throw new SaeFormatError('invalid-option', 'SAELens cfg.json: apply_b_dec_to_input = false with a non-zero b_dec is not supported (Lantern subtracts b_dec from the input).', {
        key: 'apply_b_dec_to_input',
      });
    }
    return {
      format: 'saelens',
      folder,
      weights: r.weights,
      architecture: r.architecture === 'batchtopk' ? 'jumprelu' : r.architecture,
      ...(r.k !== undefined ? { k: r.k } : {}),
      modelName: r.modelName,
      hookName: r.hookName,
      hookLayer: r.hookLayer,
      contextSize: r.contextSize,
      datasetPath: r.datasetPath,
      ...(r.logSparsity ? { logSparsity: r.logSparsity } : {}),
      cfg: r.cfg,
    };
  }
  if (sparsifyWeights) {
    const r = importSparsify(cfgText, sparsifyWeights.bytes);
    const hook = folder ? baseName(folder) : null;
    return { format: 'sparsify', folder, weights: r.weights, architecture: 'topk', k: r.k, modelName: null, hookName: hook, hookLayer: null, contextSize: null, datasetPath: null, cfg: r.cfg };
  }
  throw new SaeFormatError(
    'missing-file',
    `cfg.json${folder ? ` in ${folder}/` : ''} has no weights beside it: expected ${SAELENS_FILES.weights} (SAELens) or ${SPARSIFY_WEIGHTS} (sparsify).`,
    { folder },
  );
}

function decodeUtf8(f: SaeFile): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(f.bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new SaeFormatError('invalid-cfg', `${f.name} is not UTF-8 text.`, { file: f.name });
  }
}

/** Throws SaeFormatError('mismatch') naming both values when the SAE does not fit `expect`. */
export function checkExpectation(sae: ImportedSae, expect: ImportExpectation): void {
  if (expect.dIn !== undefined && sae.weights.dIn !== expect.dIn) {
    throw new SaeFormatError('mismatch', `This SAE reads d_in = ${sae.weights.dIn} activations, but ${expect.dIn} were expected; nothing was imported.`, {
      field: 'd_in',
      actual: sae.weights.dIn,
      expected: expect.dIn,
    });
  }
  const hook = transformerLensHook(sae);
  if (expect.hookName !== undefined && hook !== null && hook !== expect.hookName) {
    throw new SaeFormatError('mismatch', `This SAE was trained on hook "${sae.hookName}", but "${expect.hookName}" was chosen; nothing was imported.`, {
      field: 'hook_name',
      actual: sae.hookName,
      expected: expect.hookName,
    });
  }
  const model = expect.model;
  if (model && hook !== null && !model.hookPoints.includes(hook)) {
    const n = model.hookPoints.length;
    throw new SaeFormatError(
      'mismatch',
      `This SAE reads hook "${sae.hookName}", which ${model.name} does not have (its ${n} hook points run from ${model.hookPoints[0]} to ${model.hookPoints[n - 1]}); choose the model it was trained on. Nothing was imported.`,
      { field: 'hook_name', actual: sae.hookName, hookPoints: model.hookPoints },
    );
  }
}
