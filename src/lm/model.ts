// Opens a (hooked) inference session from downloaded model files: surgery on the graph bytes,
// then the session with its external data, checked against the model summary's depth.
import type { ModelFiles } from './hub';
import { LmSession, type SessionOptions } from './session';
import { hookModel, type RankWeights, type SurgeryPlan, type SurgeryResult } from './surgery';

export interface OpenedModel {
  session: LmSession;
  surgery: SurgeryResult;
}

export async function openModel(
  files: Pick<ModelFiles, 'onnx' | 'externalData' | 'summary'>,
  plan: SurgeryPlan,
  opts: SessionOptions = {},
  rank?: RankWeights,
): Promise<OpenedModel> {
  const surgery = hookModel(files.onnx, plan, { nLayers: files.summary.nLayers, rank });
  const session = await LmSession.create(surgery.bytes, surgery.signature, {
    dModel: files.summary.dModel,
    ...opts,
    externalData: files.externalData,
  });
  return { session, surgery };
}
