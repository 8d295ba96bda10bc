import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair } from '../main/core/keys/ecdsa.js';
import { batchThroughput, tokenBatchThroughput, type BatchResult } from './batch.js';
import { goal, measure, ratio, type BenchSuite, type Metric } from './suite.js';

/**
 * Batch signing with the product key in a hardware token (SoftHSM2, in a token dir of its own)
 * against the same ids signed in-process with node:crypto (the worker pool, every core), in
 * one run: the `sign --file` path both ways, each with its own default pool.
 */
export interface Pkcs11BenchOptions {
  ids: number;
}

export const PKCS11_VS_NODE_GOAL = 0.3;

const MODULES = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so'];

export function pkcs11Suite(o: Pkcs11BenchOptions = { ids: Number(process.env.WXPROV_BENCH_PKCS11_IDS ?? 50_000) }): BenchSuite {
  return {
    name: 'pkcs11',
    description: 'batch signing through a PKCS#11 token (SoftHSM2) vs node:crypto on the same ids',
    async run(log) {
      const PID = 1_000_011;
      const module = MODULES.find((m) => fs.existsSync(m));
      const metrics: Metric[] = [];
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-bench-hsm-'));
      try {
        if (!module) throw new Error('SoftHSM2 is not installed (apt-get install softhsm2 opensc)');
        // The token dir is read when this process first initialises the module: made before.
        fs.mkdirSync(path.join(dir, 'tokens'));
        const conf = path.join(dir, 'softhsm2.conf');
        fs.writeFileSync(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
        process.env.SOFTHSM2_CONF = conf;
        const pin = '246813';
        const env = { ...process.env, SOFTHSM2_CONF: conf };
        execFileSync('softhsm2-util', ['--init-token', '--free', '--label', 'bench', '--so-pin', '13572468', '--pin', pin], { env, stdio: 'pipe' });
        execFileSync('pkcs11-tool', ['--module', module, '--token-label', 'bench', '--login', '--pin', pin, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'bench-key'], { env, stdio: 'pipe' });

        const { privateKey, publicKey } = generateKeyPair();
        let node: BatchResult | undefined;
        let token: BatchResult | undefined;
        log(`batch signing ${o.ids} ids in-process (node:crypto worker pool)`);
        const nodeM = await measure({ key: 'batch_node_ids_per_s', label: `node:crypto, ${o.ids} ids`, unit: 'ids/s' }, async () => {
          node = await batchThroughput(privateKey, publicKey, PID, o.ids);
          return node.rate;
        });
        if (node) nodeM.note = `${node.poolSize} worker threads, ${(node.cpuSeconds / node.seconds).toFixed(2)} cores busy`;
        log(`batch signing the same ${o.ids} ids through the token (SoftHSM2)`);
        const tokenM = await measure({ key: 'batch_pkcs11_ids_per_s', label: `PKCS#11 token (SoftHSM2), ${o.ids} ids`, unit: 'ids/s' }, async () => {
          token = await tokenBatchThroughput({ module, token_label: 'bench', key_label: 'bench-key', pin }, PID, o.ids);
          return token.rate;
        });
        if (token) tokenM.note = `${token.poolSize} sessions, ${(token.cpuSeconds / token.seconds).toFixed(2)} cores busy in this process (SoftHSM signs in it)`;
        const r = ratio(tokenM.value, nodeM.value);
        metrics.push(nodeM, tokenM, { key: 'pkcs11_vs_node', label: '    token / node:crypto', value: r, unit: 'x' });
        return { metrics, goals: [goal('pkcs11_vs_node', 'PKCS#11 batch ids/s / node:crypto batch ids/s', r, '>=', PKCS11_VS_NODE_GOAL)], info: { ids: o.ids, cpus: os.availableParallelism() } };
      } catch (e) {
        metrics.push({ key: 'pkcs11_failed', label: 'PKCS#11 bench', value: null, unit: '', error: (e as Error).message });
        return { metrics, goals: [goal('pkcs11_vs_node', 'PKCS#11 batch ids/s / node:crypto batch ids/s', null, '>=', PKCS11_VS_NODE_GOAL)], info: { ids: o.ids, cpus: os.availableParallelism() } };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
