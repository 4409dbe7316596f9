// Entry point: mounts the studio shell and its routes, and registers the service worker (offline, updates).
import { render } from 'solid-js/web';
import { App } from './App';
import { registerServiceWorker } from './pwa/register';
import './styles.css';

render(() => <App />, document.getElementById('root')!);
registerServiceWorker();
