// One run's page (`/runs/:id`): its live dashboard, seen first; a started run opens here, and any
// run is reached from the Training, Runs and Library pages by this address.
import { A, useParams } from '@solidjs/router';
import { Show } from 'solid-js';
import { RunDashboard } from '../../components/RunDashboard';
import { createLiveQuery } from '../../state/live';
import { getDb } from '../../storage/db';
import { SaeLensExportButton } from './SaeLensExport';

export function RunPage() {
  const params = useParams<{ id: string }>();
  // Wrapped, so "not loaded yet" (undefined) differs from "no such run" ({ run: undefined }).
  const found = createLiveQuery(
    () => params.id,
    async (id) => ({ run: await getDb().runs.get(id) }),
  );
  return (
    <section class="page">
      <div class="page-head">
        <h1>Run</h1>
        <div class="btn-row">
          <A class="btn btn-sm" href="/training">
            New run
          </A>
          <A class="btn btn-sm" href="/runs">
            All runs
          </A>
          <Show when={found()?.run}>{(run) => <SaeLensExportButton runId={run().id} runName={run().name} />}</Show>
        </div>
      </div>
      <Show when={found()}>
        {(f) => (
          <Show
            when={f().run?.id}
            keyed
            fallback={
              <div class="card" data-testid="run-missing">
                <p>
                  No run with the id <span class="mono">{params.id}</span> is stored here. It may have been deleted; see <A href="/runs">all runs</A>.
                </p>
              </div>
            }
          >
            <RunDashboard run={f().run!} />
          </Show>
        )}
      </Show>
    </section>
  );
}
