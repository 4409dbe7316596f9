// Header dropdown for the active SAE: shows it, hot-swaps to a recent checkpoint, opens the Library.
import { A } from '@solidjs/router';
import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { activateSae, createActiveSae } from '../state/activeSae';
import { createLive } from '../state/live';
import { toast } from '../state/toasts';
import { IMPORTED_RUN_ID, listCheckpoints } from '../storage/checkpoints';
import { getDb } from '../storage/db';

const RECENT = 8;

export function ActiveSaeMenu() {
  const active = createActiveSae();
  const recent = createLive(async () => {
    const db = getDb();
    const cks = (await listCheckpoints(db)).slice(0, RECENT);
    const runs = await db.runs.bulkGet(cks.map((c) => c.runId));
    return cks.map((c, i) => ({ ...c, runName: runs[i]?.name ?? (c.runId === IMPORTED_RUN_ID ? 'imported' : 'run deleted') }));
  });
  const [open, setOpen] = createSignal(false);
  let root: HTMLDivElement | undefined;

  onMount(() => {
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !root?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', close);
    onCleanup(() => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', close);
    });
  });

  async function swap(id: string, name: string) {
    setOpen(false);
    try {
      await activateSae(id);
      toast('success', `Active SAE: ${name}`);
    } catch (e) {
      toast('error', `Could not make ${name} active`, e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <div class="sae-menu" ref={(el) => (root = el)}>
      <button class="sae-chip" data-testid="active-sae" aria-haspopup="menu" aria-expanded={open()} onClick={() => setOpen(!open())}>
        <span class="sae-chip-label">SAE</span>
        <Show when={active()} fallback={<span class="muted">none</span>}>
          {(a) => <span class="sae-chip-name">{a().checkpoint.name}</span>}
        </Show>
        <span aria-hidden="true">▾</span>
      </button>
      <Show when={open()}>
        <div class="sae-menu-pop" role="menu" data-testid="active-sae-menu">
          <div class="sae-menu-head muted small">Hot-swap the active SAE</div>
          <For each={recent() ?? []} fallback={<div class="muted small sae-menu-empty">No checkpoints yet.</div>}>
            {(c) => (
              <button role="menuitemradio" aria-checked={active()?.checkpoint.id === c.id} class="sae-menu-item" onClick={() => void swap(c.id, c.name)}>
                <span class="sae-menu-check" aria-hidden="true">
                  {active()?.checkpoint.id === c.id ? '●' : ''}
                </span>
                <span class="sae-menu-name">{c.name}</span>
                <span class="muted small sae-menu-run">{c.runName}</span>
              </button>
            )}
          </For>
          <A href="/library" class="sae-menu-link" onClick={() => setOpen(false)}>
            Open the Library →
          </A>
        </div>
      </Show>
    </div>
  );
}
