// The studio shell: navigation, header with the active job, toasts, the WebGPU notice, routes.
import { A, Route, Router, useLocation, type RouteSectionProps } from '@solidjs/router';
import { For, onMount, Show } from 'solid-js';
import { Header } from './components/Header';
import { Toasts } from './components/Toasts';
import { UpdateToast } from './components/UpdateToast';
import { WebGpuNotice } from './components/WebGpuNotice';
import { gpu } from './state/gpu';
import { requestPersistence } from './storage/persistence';
import { HomePage } from './routes/home/HomePage';
import { SystemPage } from './routes/system/SystemPage';
import { StoragePage } from './routes/storage/StoragePage';
import { JobsPage } from './routes/jobs/JobsPage';
import { TrainingPage } from './routes/training/TrainingPage';
import { LibraryPage } from './routes/library/LibraryPage';
import { RunsPage } from './routes/runs/RunsPage';
import { RunPage } from './routes/runs/RunPage';
import { DatasetsPage } from './routes/datasets/DatasetsPage';
import { ModelsPage } from './routes/models/ModelsPage';
import { ExtractionPage } from './routes/extraction/ExtractionPage';
import { FeaturesPage } from './routes/features/FeaturesPage';
import { FeaturePage } from './routes/features/FeaturePage';
import { KioskPage } from './routes/kiosk/KioskPage';
import { SteeringPage } from './routes/steering/SteeringPage';

/** The studio's areas, in workflow order; each lands with the issue that fills it. */
const NAV = [
  { href: '/', label: 'Home', icon: '⌂' },
  { href: '/datasets', label: 'Datasets', icon: '▦' },
  { href: '/models', label: 'Models', icon: '◈' },
  { href: '/extraction', label: 'Extraction', icon: '⇶' },
  { href: '/training', label: 'Training', icon: '◭' },
  { href: '/library', label: 'Library', icon: '❖' },
  { href: '/features', label: 'Features', icon: '✦' },
  { href: '/steering', label: 'Steering', icon: '⇝' },
  { href: '/runs', label: 'Runs', icon: '≋' },
  { href: '/jobs', label: 'Jobs', icon: '▤' },
  { href: '/storage', label: 'Storage', icon: '⛁' },
  { href: '/system', label: 'System', icon: '⚙' },
];

function Shell(props: RouteSectionProps) {
  onMount(() => {
    gpu();
    void requestPersistence();
  });
  // The kiosk is full screen: no navigation, header or notice, only the page and its toasts.
  const location = useLocation();
  return (
    <Show
      when={!location.pathname.startsWith('/kiosk')}
      fallback={
        <>
          {props.children}
          <Toasts />
          <UpdateToast />
        </>
      }
    >
      <div class="shell">
        <nav class="nav" aria-label="Studio">
          <A href="/" class="brand" end>
            <img src="/icon.svg" alt="" width="28" height="28" />
            <span>Lantern</span>
          </A>
          <For each={NAV}>
            {(item) => (
              <A href={item.href} class="nav-link" activeClass="active" end={item.href === '/'}>
                <span class="nav-icon" aria-hidden="true">
                  {item.icon}
                </span>
                {item.label}
              </A>
            )}
          </For>
        </nav>
        <div class="main">
          <Header />
          <WebGpuNotice />
          <main class="content">{props.children}</main>
        </div>
        <Toasts />
        <UpdateToast />
      </div>
    </Show>
  );
}

export function App() {
  return (
    <Router root={Shell}>
      <Route path="/" component={HomePage} />
      <Route path="/system" component={SystemPage} />
      <Route path="/storage" component={StoragePage} />
      <Route path="/datasets" component={DatasetsPage} />
      <Route path="/models" component={ModelsPage} />
      <Route path="/extraction" component={ExtractionPage} />
      <Route path="/training" component={TrainingPage} />
      <Route path="/library" component={LibraryPage} />
      <Route path="/features" component={FeaturesPage} />
      <Route path="/features/:saeId" component={FeaturesPage} />
      <Route path="/features/:saeId/:index" component={FeaturePage} />
      <Route path="/steering" component={SteeringPage} />
      <Route path="/runs" component={RunsPage} />
      <Route path="/runs/:id" component={RunPage} />
      <Route path="/jobs" component={JobsPage} />
      <Route path="/kiosk" component={KioskPage} />
      <Route path="*" component={NotFound} />
    </Router>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        This page does not exist. <A href="/">Go to the home page</A>.
      </p>
    </section>
  );
}
