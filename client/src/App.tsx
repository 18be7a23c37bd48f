import { Provider as UrqlProvider } from '@urql/solid';
import { createEffect, Show } from 'solid-js';
import { followLink } from './lib/follow-link';
import { Workbench } from './pages/Workbench';
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
  const { router, model, jobs } = useStore();
  const page = () => router.route().page;
  createEffect(() => {
    if (page() === 'history') jobs.refreshHistory();
  });
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
      <Workbench />
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
