// "Export for SAELens": downloads a run's LanguageModelSAERunnerConfig as JSON and as a Python script.
import { downloadBlob } from '../../components/download';
import { toast } from '../../state/toasts';
import { getDb } from '../../storage/db';
import { runnerExportOf } from './runnerExport';

export function SaeLensExportButton(props: { runId: string; runName: string }) {
  async function run() {
    try {
      const out = await runnerExportOf(getDb(), props.runId);
      downloadBlob(new Blob([`${JSON.stringify(out.json, null, 2)}\n`], { type: 'application/json' }), `${out.fileBase}.json`);
      downloadBlob(new Blob([out.python], { type: 'text/x-python' }), `${out.fileBase}.py`);
      toast('success', `Exported ${props.runName} for SAELens`, out.notes.length ? out.notes.join(' ') : undefined);
    } catch (e) {
      toast('error', `Could not export ${props.runName} for SAELens`, e instanceof Error ? e.message : String(e));
    }
  }
  return (
    <button class="btn btn-sm" data-testid="export-saelens" title="LanguageModelSAERunnerConfig (JSON) and a Python script that trains the same SAE with SAELens" onClick={() => void run()}>
      Export for SAELens
    </button>
  );
}
