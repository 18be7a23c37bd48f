import { Provider as UrqlProvider } from '@urql/solid';
import { Match, Show, Switch } from 'solid-js';
import { followLink } from './lib/follow-link';
import { ComparePage } from './pages/ComparePage';
import { HistoryPage } from './pages/HistoryPage';
import { InputsAside } from './pages/InputsAside';
import { JobPage } from './pages/JobPage';
import { NewJobPage } from './pages/NewJobPage';
import { StoreProvider, useStore } from './store';
import { errorMessage } from './store/field-errors';
import { createApiClient } from './store/api-client';
import { type Route, routePath } from './store/router';

function NavLink(props: { to: Route; label: string; current: boolean }) {
  const { router } = useStore();
  return (
    <a
      href={routePath(props.to)}
      aria-current={props.current ? 'page' : undefined}
      onClick={(e) => followLink(e, () => router.navigate(props.to))}
    >
      {props.label}
    </a>
  );
}

function Shell() {
  const { router, model } = useStore();
  const page = () => router.route().page;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to results
      </a>
      <header class="topbar">
        <h1>
          Channel attribution{' '}
          <span class="subtitle">{model.model() ? `${model.model()!.name} · ${model.model()!.backend}` : 'GoogLeNet'}</span>
        </h1>
        <nav aria-label="Pages">
          <NavLink to={{ page: 'new' }} label="New job" current={page() === 'new'} />
          <NavLink to={{ page: 'history' }} label="History" current={page() === 'history'} />
        </nav>
      </header>
      <Show when={model.error()}>
        {(e) => (
          <p class="banner field-error" role="alert">
            The API is not answering ({errorMessage(e())}). Is the server running?
          </p>
        )}
      </Show>
      {/* Inputs on the left, the page's results on the right; the history table takes the whole width. */}
      <div class="workbench" classList={{ 'full-width': page() === 'history' }}>
        <Show when={page() !== 'history'}>
          <InputsAside />
        </Show>
        <main class="results" id="main">
          <Switch>
            <Match when={page() === 'new'}>
              <NewJobPage />
            </Match>
            <Match when={page() === 'job'}>
              <JobPage />
            </Match>
            <Match when={page() === 'compare'}>
              <ComparePage />
            </Match>
            <Match when={page() === 'history'}>
              <HistoryPage />
            </Match>
          </Switch>
        </main>
      </div>
    </>
  );
}

export function App() {
  return (
    <UrqlProvider value={createApiClient()}>
      <StoreProvider>
        <Shell />
      </StoreProvider>
    </UrqlProvider>
  );
}
