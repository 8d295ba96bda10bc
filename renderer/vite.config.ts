import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CSP_META } from '../main/core/app/csp.js';

const root = fileURLToPath(new URL('.', import.meta.url));

// The page's own <meta> CSP, for file:// in Electron where no header exists: the station's one
// CSP (main/core/app/csp.ts). Build only: the dev server needs an inline script for fast refresh.
const csp = (): Plugin => ({
  name: 'wxprov-csp',
  apply: 'build',
  transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META }, injectTo: 'head-prepend' }],
});

// The renderer is plain browser code: it loads from file:// in Electron and from the
// loopback bridge of `wxprov ui`, hence relative asset paths (base './').
export default defineConfig({
  root,
  base: './',
  plugins: [react(), csp()],
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    // antd makes one large vendor chunk; the page loads from disk or loopback, size is no concern.
    chunkSizeWarningLimit: 4000,
  },
});
