import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getApi } from './api';
import { Root } from './Root';

// Resolve the API first: in browser mode this reads the session token from the address and
// removes it from the address bar before anything renders.
getApi();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
