// "Test your own text" state shared by the Features page and a feature page: the typed text, whether
// runProbe is running on it, and what it gave (`keep` picks that from the probe result) or why it failed.
import { createSignal } from 'solid-js';
import type { ProbeResult } from '../../features/probe';
import { getDb, type AnalysisRecord } from '../../storage/db';
import { runProbe } from './features.data';

export function createProbeRun<T>(analysis: () => AnalysisRecord, keep: (r: ProbeResult) => T) {
  const [text, setText] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [result, setResult] = createSignal<T>();
  const [error, setError] = createSignal('');
  async function run() {
    setBusy(true);
    setError('');
    try {
      const r = await runProbe(getDb(), analysis(), text());
      setResult(() => keep(r));
    } catch (e) {
      setResult(undefined);
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return { text, setText, busy, result, error, run };
}
