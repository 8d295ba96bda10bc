import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Process boundaries, checked on the source (see ARCHITECTURE.md and ../shared/style.md):
 * - main/core runs in plain Node (CLI, tests): it never imports Electron;
 * - the renderer is browser code: no Electron, no Node, nothing from main/ — what it knows of
 *   the station comes through window.wxprov, typed by type-only imports of preload/contract.ts;
 * - the contract depends on nothing of ours: preload/ imports nothing from main/, not even a
 *   type, and among core files only the app layer (main/core/app) imports preload/, so the
 *   low-level modules (serial, registry, keys, wechat, ...) never learn the UI's shapes.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

function files(dir: string, exts: RegExp): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return (fs.readdirSync(abs, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile() && exts.test(d.name) && !d.name.endsWith('.d.ts'))
    .map((d) => path.join(d.parentPath, d.name))
    .filter((f) => !f.split(path.sep).includes('node_modules'));
}

interface Import {
  spec: string;
  typeOnly: boolean;
  line: number;
}

/** Every module reference: import/export … from, import x = require(), import(), require(). */
function imports(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: Import[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined, typeOnly: boolean) => {
    if (spec && ts.isStringLiteralLike(spec)) out.push({ spec: spec.text, typeOnly, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const allTypeSpecifiers =
        !!c && !c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, !!c && (c.isTypeOnly || allTypeSpecifiers));
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (isImport || isRequire) add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Where a relative import leads (an absolute path), or undefined for a package. */
const resolved = (file: string, spec: string): string | undefined => (spec.startsWith('.') || path.isAbsolute(spec) ? path.resolve(path.dirname(file), spec) : undefined);
const under = (abs: string, dir: string) => abs.startsWith(path.join(ROOT, dir) + path.sep);

const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');
const isElectron = (spec: string) => spec === 'electron' || spec.startsWith('electron/') || spec.startsWith('@electron/');
const NODE_BUILTINS = new Set(builtinModules);
/** Build configs next to the renderer (vite.config.ts) run in Node, not in the page: Node and plain-Node core modules (the one CSP) are theirs to use. */
const isBuildConfig = (f: string) => /\.config\.[cm]?[jt]s$/.test(f);

describe('import boundaries', () => {
  it('main/core never imports Electron', () => {
    const core = files('main/core', /\.(ts|mts|cts|js|mjs)$/);
    expect(core.length).toBeGreaterThan(20);
    const bad = core.flatMap((f) => imports(f).filter((i) => isElectron(i.spec)).map((i) => `${rel(f)}:${i.line} imports ${i.spec}`));
    expect(bad).toEqual([]);
  });

  it('the scan sees every form of import (a self-check on a sample)', () => {
    const sample = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-boundaries-')), 'sample.ts');
    fs.writeFileSync(
      sample,
      [
        "import { app } from 'electron';",
        "import type { X } from './a';",
        "import { type Y } from './b';",
        "export { z } from './c';",
        "const e = require('electron');",
        "const m = await import('electron/main');",
        "// import { nope } from 'electron';",
        "const s = \"from 'electron'\";",
      ].join('\n'),
    );
    try {
      expect(imports(sample).map((i) => [i.spec, i.typeOnly])).toEqual([
        ['electron', false],
        ['./a', true],
        ['./b', true],
        ['./c', false],
        ['electron', false],
        ['electron/main', false],
      ]);
    } finally {
      fs.rmSync(path.dirname(sample), { recursive: true, force: true });
    }
  });

  it('the renderer imports no Electron, no Node, and from outside renderer/ only types of the contracts (preload/contract.ts, preload/dashboard-types.ts)', () => {
    const contracts = [path.join(ROOT, 'preload', 'contract'), path.join(ROOT, 'preload', 'dashboard-types')];
    const bad: string[] = [];
    for (const f of files('renderer', /\.(ts|tsx|mts|js|jsx|mjs)$/)) {
      for (const i of imports(f)) {
        const where = `${rel(f)}:${i.line} imports ${i.spec}`;
        if (isElectron(i.spec)) bad.push(`${where} (Electron)`);
        else if (!isBuildConfig(f) && (i.spec.startsWith('node:') || NODE_BUILTINS.has(i.spec))) bad.push(`${where} (Node)`);
        else if (i.spec.startsWith('.') || path.isAbsolute(i.spec)) {
          const target = path.resolve(path.dirname(f), i.spec);
          if (!target.startsWith(path.join(ROOT, 'renderer') + path.sep)) {
            const isContract = contracts.includes(target.replace(/\.(js|ts)$/, ''));
            if (isBuildConfig(f) && under(target, path.join('main', 'core'))) continue;
            if (!isContract) bad.push(`${where} (outside renderer/)`);
            else if (!i.typeOnly) bad.push(`${where} (the contract, but not type-only)`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('preload/ imports nothing from main/, not even a type', () => {
    const preload = files('preload', /\.(ts|mts|cts|js|mjs)$/);
    expect(preload.map(rel)).toContain('preload/contract.ts');
    const bad = preload.flatMap((f) =>
      imports(f)
        .filter((i) => {
          const t = resolved(f, i.spec);
          return t !== undefined && under(t, 'main');
        })
        .map((i) => `${rel(f)}:${i.line} imports ${i.spec}${i.typeOnly ? ' (type-only)' : ''}`),
    );
    expect(bad).toEqual([]);
  });

  it('among core files only main/core/app imports preload/, and the factory server only the dashboard contract\'s types', () => {
    const dashboard = path.join(ROOT, 'preload', 'dashboard-types');
    const core = files('main/core', /\.(ts|mts|cts|js|mjs)$/);
    const importers: string[] = [];
    const bad: string[] = [];
    for (const f of core) {
      for (const i of imports(f)) {
        const t = resolved(f, i.spec);
        if (t === undefined || !under(t, 'preload')) continue;
        importers.push(rel(f));
        const dashboardTypes = under(f, path.join('main', 'core', 'server')) && i.typeOnly && t.replace(/\.(js|ts)$/, '') === dashboard;
        if (!under(f, path.join('main', 'core', 'app')) && !dashboardTypes) bad.push(`${rel(f)}:${i.line} imports ${i.spec}${i.typeOnly ? ' (type-only)' : ''}`);
      }
    }
    // The scan finds the app layer's imports, so an empty list below means something.
    expect(importers).toContain('main/core/app/dispatch.ts');
    expect(importers).toContain('main/core/server/dashboard/summary.ts');
    expect(bad).toEqual([]);
  });
});
