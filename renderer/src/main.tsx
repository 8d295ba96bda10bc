import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getApi } from './api';
import { Root } from './Root';

// Resolve the API first: in browser mode this drops the token from the address bar (the
// bridge has traded it for a session cookie) and opens the event stream before anything renders.
getApi();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
