import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { stopCluster } from './helpers/pg-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the run's throwaway PostgreSQL cluster lives once a test starts it (test/helpers/pg.ts). */
    wxprovPgRoot: string;
  }
}

/**
 * One temp root per test run for the server tests' PostgreSQL (test/helpers/pg-cluster.ts).
 * Nothing starts here: a run without server tests pays nothing; the first test that asks for
 * a database starts the cluster, and this teardown stops it and removes the root. The root is
 * 0755 so the `postgres` user (the cluster's owner when the tests run as root) can reach its
 * own folder inside.
 */
export default function setup(project: TestProject): () => void {
  // As root the cluster runs as `postgres`, which must reach this folder: /tmp is reachable by
  // everyone, a TMPDIR under root's home may not be.
  const base = process.getuid?.() === 0 ? '/tmp' : os.tmpdir();
  const root = fs.mkdtempSync(path.join(base, 'wxprov-pg-'));
  fs.chmodSync(root, 0o755);
  project.provide('wxprovPgRoot', root);
  return () => {
    stopCluster(root);
    fs.rmSync(root, { recursive: true, force: true });
  };
}
