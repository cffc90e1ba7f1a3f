import { useEffect, useState } from 'react';
import { ApiError, call, type ClockStatus, type Session } from './api.js';
import { ClockBar } from './ClockBar.js';
import { Login } from './Login.js';
import { InventoryMap } from './map/InventoryMap.js';
import { PasswordForm } from './PasswordForm.js';
import { useVersion } from './pages/common.js';
import { FaultsPage } from './pages/FaultsPage.js';
import { LogPage } from './pages/LogPage.js';
import { OverviewPage } from './pages/OverviewPage.js';
import { RepairsPage } from './pages/RepairsPage.js';
import { ScenariosPage } from './pages/ScenariosPage.js';
import { WorkloadsPage } from './pages/WorkloadsPage.js';

/** The pages, by the URL hash that shows them (`#/faults`); so a reload keeps the page. */
const pages = [
  { hash: '#/', title: 'Inventory' },
  { hash: '#/overview', title: 'Overview' },
  { hash: '#/faults', title: 'Faults' },
  { hash: '#/repairs', title: 'Repairs' },
  { hash: '#/workloads', title: 'Workloads' },
  { hash: '#/scenarios', title: 'Scenarios' },
  { hash: '#/log', title: 'Log' },
] as const;
type PageHash = (typeof pages)[number]['hash'];

/** A page is `#/faults`; what it shows may follow, `#/workloads?name=web`, `#/?blade=…`. */
interface HashPage {
  readonly page: PageHash;
  readonly params: URLSearchParams;
}

function pageOf(hash: string): HashPage {
  const [base = '', query = ''] = hash.split('?', 2);
  return {
    page: pages.find((p) => p.hash === base)?.hash ?? '#/',
    params: new URLSearchParams(query),
  };
}

function useHashPage(): HashPage {
  const [page, setPage] = useState(() => pageOf(window.location.hash));
  useEffect(() => {
    const onChange = () => setPage(pageOf(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return page;
}

type Gate =
  { kind: 'checking' } | { kind: 'out'; message?: string } | { kind: 'in'; session: Session };

/**
 * The dashboard: logs in (with a password, or the one-time `?token=` of the
 * first-run URL, which is then taken out of the address bar), then shows
 * the clock and the inventory, live through the event stream.
 */
export function App() {
  const [gate, setGate] = useState<Gate>({ kind: 'checking' });

  useEffect(() => {
    const url = new URL(window.location.href);
    const token = url.searchParams.get('token');
    const start = async (): Promise<void> => {
      if (token !== null) {
        url.searchParams.delete('token');
        window.history.replaceState(null, '', url.pathname + url.search);
        try {
          await call('logIn', { body: { token } });
        } catch (error) {
          setGate({ kind: 'out', message: error instanceof Error ? error.message : String(error) });
          return;
        }
      }
      // The session cookie is HttpOnly; this one (no secret) says whether to ask.
      if (token === null && !document.cookie.split('; ').includes('chamber_signed_in=1')) {
        setGate({ kind: 'out' });
        return;
      }
      try {
        setGate({ kind: 'in', session: (await call('getCurrentSession')).body });
      } catch (error) {
        const isOut = error instanceof ApiError && error.status === 401;
        setGate({ kind: 'out', ...(isOut ? {} : { message: (error as Error).message }) });
      }
    };
    void start();
  }, []);

  if (gate.kind === 'checking') return <p className="centered">Connecting…</p>;
  if (gate.kind === 'out') {
    return (
      <Login
        {...(gate.message === undefined ? {} : { message: gate.message })}
        onLoggedIn={(session) => setGate({ kind: 'in', session })}
      />
    );
  }
  return <Dashboard session={gate.session} onLoggedOut={() => setGate({ kind: 'out' })} />;
}

function Dashboard({ session, onLoggedOut }: { session: Session; onLoggedOut: () => void }) {
  // Bumped by every clock event: the panels re-read what they show.
  const { version, live } = useVersion('clock');
  const [simulation, setSimulation] = useState<string | undefined>();
  const [clock, setClock] = useState<ClockStatus | undefined>();
  useEffect(() => {
    call('getAbout').then(
      ({ body: about }) => setSimulation(about.simulation),
      () => setSimulation(undefined),
    );
  }, []);
  const { page, params } = useHashPage();
  // After a one-time login the password is to be set (no current one asked); later, changed.
  const [mustSetPassword, setMustSetPassword] = useState(session.mustSetPassword === true);
  const [isPasswordOpen, setPasswordOpen] = useState(mustSetPassword);
  const [notice, setNotice] = useState<string | undefined>();
  const logOut = async (): Promise<void> => {
    await call('logOut').catch(() => undefined);
    onLoggedOut();
  };
  return (
    <>
      <header className="header">
        <h1>
          Chamber
          {simulation !== undefined && (
            <span className="simulation" aria-label="Simulation">
              {simulation}
            </span>
          )}
        </h1>
        <ClockBar
          version={version}
          canStep={session.rights.includes('step_time')}
          onClock={setClock}
        />
        <div className="who">
          <span>{session.user}</span>
          <button
            type="button"
            onClick={() => {
              setNotice(undefined);
              setPasswordOpen(true);
            }}
          >
            Password
          </button>
          <button type="button" onClick={() => void logOut()}>
            Log out
          </button>
        </div>
      </header>
      {live === 'reconnecting' && (
        <p role="alert" className="banner">
          The live stream from the Chamber frontend was lost; reconnecting…
        </p>
      )}
      {notice !== undefined && (
        <p role="status" className="banner">
          {notice}
        </p>
      )}
      {isPasswordOpen && (
        <PasswordForm
          user={session.user}
          isFirst={mustSetPassword}
          onDone={() => {
            setNotice(
              mustSetPassword
                ? `Password set: log in as ${session.user} with it from now on.`
                : 'Password changed.',
            );
            setMustSetPassword(false);
            setPasswordOpen(false);
          }}
          onClose={() => setPasswordOpen(false)}
        />
      )}
      <nav className="pages" aria-label="Pages">
        {pages.map((p) => (
          <a key={p.hash} href={p.hash} {...(p.hash === page ? { 'aria-current': 'page' } : {})}>
            {p.title}
          </a>
        ))}
      </nav>
      <main>
        {page === '#/' && (
          <InventoryMap
            rights={session.rights}
            now={clock?.settledTick ?? 0}
            oldest={clock?.oldestTick ?? 0}
            live={live}
            version={version}
            focus={params.get('blade') ?? undefined}
            highlight={params.get('highlight') ?? undefined}
          />
        )}
        {page === '#/overview' && (
          <OverviewPage
            version={version}
            now={clock?.settledTick ?? 0}
            oldest={clock?.oldestTick ?? 0}
          />
        )}
        {page === '#/faults' && <FaultsPage canInject={session.rights.includes('inject_faults')} />}
        {page === '#/repairs' && <RepairsPage />}
        {page === '#/log' && <LogPage />}
        {page === '#/scenarios' && <ScenariosPage rights={session.rights} />}
        {page === '#/workloads' && (
          <WorkloadsPage
            canModify={session.rights.includes('modify_workloads')}
            version={version}
            now={clock?.settledTick ?? 0}
            selected={params.get('name') ?? undefined}
          />
        )}
      </main>
    </>
  );
}
