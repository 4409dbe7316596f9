// Saved configurations for a form: save current, load (edit), update, duplicate, favourite,
// search, delete, export to JSON and import from JSON (validated; a bad file stores nothing).
import { createSignal, For, Show } from 'solid-js';
import { createLiveQuery } from '../state/live';
import { toast } from '../state/toasts';
import { getDb, type TemplateRecord } from '../storage/db';
import { deleteRecord } from '../storage/repository';
import { duplicateTemplate, importTemplateJson, listTemplates, saveTemplate, templateToJson, toggleFavourite, type TemplateKind } from '../storage/templates';
import { downloadBlob } from './download';

export function TemplatesPanel(props: { kind: TemplateKind; current: () => Record<string, unknown>; onLoad: (body: Record<string, unknown>) => void }) {
  const db = getDb();
  const [search, setSearch] = createSignal('');
  const [name, setName] = createSignal('');
  const [loaded, setLoaded] = createSignal<TemplateRecord>();
  const [error, setError] = createSignal<string>();
  const templates = createLiveQuery(search, (q) => listTemplates(db, props.kind, q));

  const run = async (what: string, fn: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return (
    <div class="templates" data-testid="templates">
      <h2>Templates</h2>
      <div class="tpl-save">
        <input placeholder="Template name" aria-label="Template name" value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        <button class="btn btn-sm" onClick={() => run('Could not save', async () => (await saveTemplate(db, props.kind, name(), props.current()), setName('')))}>
          Save
        </button>
      </div>
      <Show when={loaded()}>
        {(t) => (
          <div class="tpl-loaded small">
            Editing <b>{t().name}</b>{' '}
            <button class="btn btn-sm" onClick={() => run('Could not update', () => saveTemplate(db, props.kind, t().name, props.current(), t().id).then(() => toast('success', `Updated ${t().name}`)))}>
              Update
            </button>
          </div>
        )}
      </Show>
      <input class="tpl-search" placeholder="Search templates" aria-label="Search templates" value={search()} onInput={(e) => setSearch(e.currentTarget.value)} />
      <ul class="tpl-list">
        <For each={templates() ?? []} fallback={<li class="muted small">No templates{search() ? ' match' : ' yet'}.</li>}>
          {(t) => (
            <li data-testid="template-row">
              <button class="star" classList={{ on: t.favourite === 1 }} aria-label={t.favourite ? 'Unfavourite' : 'Favourite'} onClick={() => toggleFavourite(db, t.id)}>
                ★
              </button>
              <button class="tpl-name" title="Load into the form" onClick={() => (props.onLoad(t.body), setLoaded(t))}>
                {t.name}
              </button>
              <button class="btn btn-sm" title="Duplicate" onClick={() => run('Could not duplicate', () => duplicateTemplate(db, t.id))}>
                ⧉
              </button>
              <button class="btn btn-sm" title="Export as JSON" onClick={() => downloadBlob(new Blob([templateToJson(t)], { type: 'application/json' }), `${t.name.replace(/[^\w.-]+/g, '_')}.template.json`)}>
                ⇩
              </button>
              <button class="btn btn-sm btn-danger" title="Delete" onClick={() => run('Could not delete', () => deleteRecord(db, 'templates', t.id))}>
                ×
              </button>
            </li>
          )}
        </For>
      </ul>
      <label class="btn btn-sm">
        Import template…
        <input
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="import-template"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (f) void run(`Could not import ${f.name}`, async () => importTemplateJson(db, props.kind, await f.text()));
          }}
        />
      </label>
      <Show when={error()}>
        <div class="banner banner-err small" role="alert" data-testid="template-error">
          {error()}
        </div>
      </Show>
    </div>
  );
}
