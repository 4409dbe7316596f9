// What the memory estimate needs about a model: before a download, config.json and the sizes of the
// chosen variant's ONNX file and external data from the Hub (nothing is cached); after, the record.
import { summarizeConfig, type ModelSummary } from '../lm/config';
import { LmError } from '../lm/errors';
import { fetchHubFile, hubFileSize } from '../lm/hub';
import { elementBytesOf, estimateModelMemory, type ModelMemoryEstimate } from '../lm/memory';
import type { ModelRecord } from '../storage/db';

export interface ModelFacts {
  summary: ModelSummary;
  /** ONNX graph + external data, in bytes. */
  weightBytes: number;
}

/** config.json and the variant's file sizes (HEAD requests), without downloading the weights. */
export async function hubModelFacts(repo: string, onnxPath: string, opts: { host: string; revision: string; fetch?: typeof fetch }): Promise<ModelFacts> {
  const hub = { ...opts, cache: null };
  const bytes = await fetchHubFile(repo, 'config.json', hub);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (e) {
    throw new LmError('INVALID_CONFIG', `config.json in ${repo} is not valid JSON`, { repo, cause: (e as Error).message });
  }
  const graph = await hubFileSize(repo, onnxPath, hub);
  if (graph === undefined) throw new LmError('NO_ONNX_FILE', `${repo} has no ONNX export at ${onnxPath}`, { repo, path: onnxPath });
  const data = (await hubFileSize(repo, `${onnxPath}_data`, hub)) ?? 0;
  return { summary: summarizeConfig(config), weightBytes: graph + data };
}

/** The estimate for a downloaded model at a batch and context; `limits` when WebGPU may run it. */
export function recordMemory(record: ModelRecord, batch: number, context: number, limits?: Record<string, number>): ModelMemoryEstimate {
  const summary = record.summary as unknown as ModelSummary & { graphDtype?: string };
  return estimateModelMemory({ shape: summary, weightBytes: record.bytes, elementBytes: elementBytesOf(summary.graphDtype ?? record.variant), batch, context }, limits);
}
