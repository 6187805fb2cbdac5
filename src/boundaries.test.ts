/**
 * The boundaries between the folders hold by construction: a wrong import
 * fails `npm run lint` (eslint.boundaries.js), and the page's own code, the
 * modules src/main.tsx reaches through value imports, holds no tfjs (the
 * worker is a bundle of its own, started by URL).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('lint enforces which folder may import which', () => {
  const eslint = new ESLint({ cwd: ROOT });

  /** The messages of the import rule for `code` placed at `path`. */
  async function importErrors(path: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
    return result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
  }

  it.each([
    ['src/engine/train/probe.ts', "import { createStudio } from '../../worker/studio/calls';\nexport const s = createStudio;", /never imports the worker or the UI/],
    ['src/engine/session.probe.ts', "import { useStudio } from '../ui/store/store';\nexport const s = useStudio;", /never imports the worker or the UI/],
    ['src/engine/core/probe.ts', "import { analyzeModel } from '../graph/analyze';\nexport const a = analyzeModel;", /core imports nothing else of the engine/],
    ['src/ui/panels/probe.tsx', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;", /no tensor code/],
    ['src/main.tsx', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;", /no tensor code/],
    ['src/ui/store/probe.ts', "import { createStudio } from '../../worker/studio/calls';\nexport const s = createStudio;", /through its bridge and message types only/],
    ['src/ui/store/probe.ts', "import type { Candidate } from '../../engine/search/candidate';\nexport type C = Candidate;", /from src\/contract, never the engine/],
    ['src/contract/probe.ts', "import { UserError } from '../engine/core/errors';\nexport const e = UserError;", /imports nothing outside itself/],
    ['src/contract/probe.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;", /no tensor code/],
    ['src/ui/store/probe.ts', "import { startEngineWorker } from '../../worker/bridge';\nexport const s = startEngineWorker;", /only as types/],
    ['cli/probe.ts', "import { createStudio } from '../src/worker/studio/calls';\nexport const s = createStudio;", /drive the engine directly/],
    ['bench/probe.ts', "import { App } from '../src/ui/App';\nexport const a = App;", /drive the engine directly/],
  ])('%s: a forbidden import is an error', async (path, code, message) => {
    const errors = await importErrors(path, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['src/engine/core/probe.ts', "import { UserError } from './errors';\nexport const e = UserError;"],
    ['src/engine/train/probe.ts', "import { UserError } from '../core/errors';\nexport const e = UserError;"],
    ['src/ui/store/probe.ts', "import type { WorkerBridge } from '../../worker/bridge';\nexport type B = WorkerBridge;"],
    ['src/ui/store/probe.ts', "import { CRITERIA } from '../../contract/criteria';\nexport const c = CRITERIA;"],
    ['src/engine/train/probe.ts', "import { DEFAULT_TRAIN_SETTINGS } from '../../contract/settings';\nexport const d = DEFAULT_TRAIN_SETTINGS;"],
    ['cli/probe.ts', "import { CompressionSession } from '../src/engine/session';\nexport const s = CompressionSession;"],
  ])('%s: an allowed import passes', async (path, code) => {
    expect(await importErrors(path, code)).toEqual([]);
  });
});

/** Relative modules a file imports as values (type-only imports vanish from the bundle), and its package imports. */
function valueImports(file: string): { local: string[]; packages: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const local: string[] = [];
  const packages: string[] = [];
  const add = (specifier: string) => (specifier.startsWith('.') ? local : packages).push(specifier);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypes = clause && (clause.isTypeOnly || (!clause.name && bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)));
      if (!onlyTypes) add(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      add(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { local, packages };
}

function resolveModule(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    try {
      if (readFileSync(candidate) && /\.tsx?$/.test(candidate)) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

describe('the page bundle', () => {
  it('reaches no tfjs from src/main.tsx', () => {
    const seen = new Set<string>();
    const tfjsImports: string[] = [];
    const queue = [join(ROOT, 'src/main.tsx')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const { local, packages } = valueImports(file);
      packages.filter((name) => name.startsWith('@tensorflow/')).forEach((name) => tfjsImports.push(`${file.slice(ROOT.length + 1)} → ${name}`));
      for (const specifier of local) {
        const next = resolveModule(file, specifier);
        if (next) queue.push(next);
      }
    }
    // The walk reached the store and the panels: it follows the real graph.
    expect([...seen].some((file) => file.endsWith('src/ui/store/store.ts'))).toBe(true);
    expect(tfjsImports).toEqual([]);
  });

  it('would see tfjs behind a value import, and not behind a type-only one', () => {
    const { packages } = valueImports(join(ROOT, 'src/engine/session.ts'));
    expect(packages).toContain('@tensorflow/tfjs');
    const studioTypes = valueImports(join(ROOT, 'src/worker/studioTypes.ts'));
    expect(studioTypes.local).toEqual([]);
  });
});
