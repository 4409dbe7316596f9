// Entry point: mounts the studio shell and its routes.
import { render } from 'solid-js/web';
import { App } from './App';
import './styles.css';

render(() => <App />, document.getElementById('root')!);
