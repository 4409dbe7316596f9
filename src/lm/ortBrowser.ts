// onnxruntime-web in the app: its WASM binary served by the app itself (bundled by Vite, never a
// CDN), and one WASM thread, so ORT never spawns a proxy worker from the GPU worker's own script.
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { ort } from './session';

let configured = false;

/** Leaves paths someone already set (Node tests point them at node_modules) alone. */
export function configureOrtForBrowser(): void {
  if (configured || ort.env.wasm.wasmPaths) return;
  ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, self.location.href).href };
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  configured = true;
}
