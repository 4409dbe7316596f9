// Node-side helpers for LM tests and benchmarks: onnxruntime-web's WASM backend pointed at the
// installed binaries, fixture sessions built in memory, and tensor conversions.
import { fileURLToPath } from 'node:url';
import { buildFixtureRepo, type BuiltFixture } from './fixtures/repos';
import { LmSession, ort } from './session';
import { hookModel, type RankWeights, type SurgeryPlan, type SurgeryResult } from './surgery';

let configured = false;

/** Single-threaded WASM from node_modules: Node has no cross-origin isolation to worry about. */
export function useNodeWasm() {
  if (configured) return;
  ort.env.wasm.wasmPaths = fileURLToPath(new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url));
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  configured = true;
}

const built = new Map<string, BuiltFixture>();

/** A fixture repo built once per process. */
export function fixture(name: string): BuiltFixture {
  let f = built.get(name);
  if (!f) built.set(name, (f = buildFixtureRepo(name)));
  return f;
}

export interface FixtureSession {
  session: LmSession;
  surgery: SurgeryResult;
  fixture: BuiltFixture;
}

/** A WASM session on a fixture, hooked per `plan` (empty plan: re-encoded but unmodified). */
export async function fixtureSession(name: string, plan: SurgeryPlan = {}, rank?: RankWeights): Promise<FixtureSession> {
  useNodeWasm();
  const f = fixture(name);
  const surgery = hookModel(f.files.get('onnx/model.onnx')!, plan, { rank });
  const external = f.files.get('onnx/model.onnx_data');
  const session = await LmSession.create(surgery.bytes, surgery.signature, {
    backends: ['wasm'],
    externalData: external ? [{ path: 'model.onnx_data', data: external }] : undefined,
  });
  return { session, surgery, fixture: f };
}

export function f32(dims: number[], data: Float32Array): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}
