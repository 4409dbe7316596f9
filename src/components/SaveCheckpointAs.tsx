// "Save checkpoint as…" for a run: names the run's newest checkpoint (a live run keeps writing its
// automatic versions; this names the latest complete one, whose step it shows, without a second copy).
import { A } from '@solidjs/router';
import { createSignal, Show } from 'solid-js';
import { createLiveQuery } from '../state/live';
import { toast } from '../state/toasts';
import { isAutomaticVersion, latestCheckpoint, saveCheckpointAs } from '../storage/checkpoints';
import { getDb } from '../storage/db';

export function SaveCheckpointAs(props: { runId: string; runName: string }) {
  const latest = createLiveQuery(() => props.runId, (runId) => latestCheckpoint(getDb(), runId));
  const [open, setOpen] = createSignal(false);
  const [name, setName] = createSignal('');
  const [error, setError] = createSignal<string>();

  async function save() {
    const from = latest();
    if (!from) return;
    setError(undefined);
    try {
      const saved = await saveCheckpointAs(getDb(), from.id, name());
      setOpen(false);
      toast('success', `Saved “${saved.name}” (step ${saved.step}) to the library`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <div class="save-as">
      <Show
        when={open()}
        fallback={
          <button
            class="btn btn-sm"
            data-testid="save-checkpoint-as"
            disabled={!latest() || !isAutomaticVersion(latest()!)}
            title={
              !latest()
                ? 'No checkpoint yet'
                : isAutomaticVersion(latest()!)
                  ? `Names the newest checkpoint (step ${latest()!.step}, ${latest()!.name}) and keeps it in the library`
                  : `The newest checkpoint (step ${latest()!.step}) is already saved as “${latest()!.name}”`
            }
            onClick={() => {
              setName(`${props.runName} step ${latest()?.step ?? 0}`);
              setOpen(true);
            }}
          >
            Save checkpoint as…
          </button>
        }
      >
        <form
          class="save-as-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <span class="muted small nowrap">step {latest()?.step} as</span>
          <input aria-label="Checkpoint name" data-testid="save-as-name" value={name()} onInput={(e) => setName(e.currentTarget.value)} />
          <button class="btn btn-sm btn-primary" type="submit" data-testid="save-as-confirm">
            Save
          </button>
          <button class="btn btn-sm" type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
          <A class="small" href="/library">
            Library
          </A>
        </form>
        <Show when={error()}>
          <div class="field-error" role="alert">
            {error()}
          </div>
        </Show>
      </Show>
    </div>
  );
}
