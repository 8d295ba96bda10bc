import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getApi } from './api';
import { Root } from './Root';
import { FleetRoot } from './fleet/FleetRoot';

// The factory server flags the page it serves with <meta name="wxprov-shell" content="fleet">
// (main/core/server/dashboard/static-files.ts): the same build is then the fleet dashboard,
// which talks to that server with its own cookie and has no station behind it.
const fleet = document.querySelector('meta[name="wxprov-shell"]')?.getAttribute('content') === 'fleet';

// The station: resolve the API first. In browser mode this drops the token from the address
// bar (the bridge has traded it for a session cookie) and opens the event stream before
// anything renders. Never for the dashboard: there is no bridge to open a stream to.
if (!fleet) getApi();

createRoot(document.getElementById('root')!).render(<StrictMode>{fleet ? <FleetRoot /> : <Root />}</StrictMode>);
