import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The built page may only load its own files and talk to its own origin (the bridge's
 * /api). Styles are inline because antd injects them at run time. Build only: the dev
 * server needs an inline script for fast refresh.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";
const csp = (): Plugin => ({
  name: 'wxprov-csp',
  apply: 'build',
  transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
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
