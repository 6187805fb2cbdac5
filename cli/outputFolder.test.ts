/** `--out` safety: an existing model is kept unless --overwrite, an unwritable place fails first, and a kill mid-write leaves the old pair. */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/engine/core/errors';
import { prepareOutputFolder } from './outputFolder';

const run = promisify(execFile);
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const encode = (text: string) => new TextEncoder().encode(text);
const pair = (tag: string) => [
  { name: 'weights.bin', bytes: encode(`weights ${tag}`) },
  { name: 'model.json', bytes: encode(`{"tag": "${tag}"}`) },
  { name: 'report.json', bytes: encode(`{"report": "${tag}"}`) },
];

function folderWithModel(tag: string): string {
  const out = join(mkdtempSync(join(tmpdir(), 'gfr-out-')), 'model');
  mkdirSync(out);
  for (const file of pair(tag)) writeFileSync(join(out, file.name), file.bytes);
  writeFileSync(join(out, 'notes.txt'), 'mine');
  return out;
}

const read = (out: string, name: string) => readFileSync(join(out, name), 'utf8');

async function gfr(...args: string[]): Promise<{ stderr: string; code: number }> {
  try {
    const { stderr } = await run(TSX, ['cli/gfr.ts', ...args], { timeout: 120_000 });
    return { stderr, code: 0 };
  } catch (error) {
    return error as { stderr: string; code: number };
  }
}

describe('the --out folder', () => {
  it('refuses a folder that already holds a model, unless overwrite; then replaces the model and keeps the other files', () => {
    const out = folderWithModel('old');
    expect(() => prepareOutputFolder(out, false)).toThrow(UserError);
    expect(() => prepareOutputFolder(out, false)).toThrow(/already holds a model \(model\.json\).*--overwrite/);
    const folder = prepareOutputFolder(out, true);
    folder.commit(pair('new'));
    expect(read(out, 'model.json')).toContain('new');
    expect(read(out, 'weights.bin')).toBe('weights new');
    expect(read(out, 'notes.txt')).toBe('mine');
    // No staging or previous folder left beside it.
    expect(readdirSync(join(out, '..'))).toEqual(['model']);
  });

  it('writes a new folder, or into an empty one, in one step, weights.bin before model.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'gfr-out-'));
    const empty = join(root, 'empty');
    mkdirSync(empty);
    for (const out of [join(root, 'new', 'deeper'), empty]) {
      const order: string[] = [];
      const folder = prepareOutputFolder(out, false);
      folder.commit(pair('new'), (name) => {
        order.push(name);
        expect(existsSync(join(out, name))).toBe(false);
      });
      expect(order).toEqual(['weights.bin', 'model.json', 'report.json']);
      expect(read(out, 'model.json')).toContain('new');
    }
  });

  it('adds the files to a folder that holds other files but no model, model.json last, without moving the folder', () => {
    const out = mkdtempSync(join(tmpdir(), 'gfr-out-'));
    writeFileSync(join(out, 'notes.txt'), 'mine');
    prepareOutputFolder(out, false).commit(pair('new'));
    expect(readdirSync(out).sort()).toEqual(['model.json', 'notes.txt', 'report.json', 'weights.bin']);
    // No partial folder of this one left beside it (other runs may be writing theirs in the same temp folder).
    expect(readdirSync(join(out, '..')).filter((name) => name.includes(`${basename(out)}.partial-`))).toEqual([]);
    // Replacing a model moves its folder aside: never the folder the command runs in.
    const here = process.cwd();
    process.chdir(folderWithModel('old'));
    try {
      expect(() => prepareOutputFolder('.', true)).toThrow(/--out \. is the folder the command runs in/);
    } finally {
      process.chdir(here);
    }
  });

  it('finds an unwritable --out before any work', () => {
    const root = mkdtempSync(join(tmpdir(), 'gfr-out-'));
    writeFileSync(join(root, 'a-file'), '');
    expect(() => prepareOutputFolder(join(root, 'a-file'), false)).toThrow(/is a file/);
    expect(() => prepareOutputFolder(join(root, 'a-file', 'out'), false)).toThrow(/cannot create .*give a folder you can write to/);
    expect(() => prepareOutputFolder('/proc/gfr-out', false)).toThrow(UserError);
  });

  it('a process killed while writing leaves the old pair in place, whole', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'gfr-kill-')), 'write.ts');
    writeFileSync(script, [
      `import { prepareOutputFolder } from ${JSON.stringify(join(process.cwd(), 'cli/outputFolder.ts'))};`,
      'const [out, killAfter] = process.argv.slice(2);',
      'const bytes = (text: string) => new TextEncoder().encode(text);',
      "prepareOutputFolder(out, true).commit([{ name: 'weights.bin', bytes: bytes('weights new') }, { name: 'model.json', bytes: bytes('{\"tag\": \"new\"}') }],",
      "  (name) => { if (name === killAfter) process.kill(process.pid, 'SIGKILL'); });",
    ].join('\n'));
    for (const killAfter of ['weights.bin', 'model.json']) {
      const out = folderWithModel('old');
      // tsx runs the script in a child and reports its death as exit 137 (128 + SIGKILL).
      await expect(run(TSX, [script, out, killAfter])).rejects.toSatisfy((error: { code: number | null; signal: string | null }) => error.signal === 'SIGKILL' || error.code === 137);
      expect(read(out, 'model.json'), killAfter).toContain('old');
      expect(read(out, 'weights.bin'), killAfter).toBe('weights old');
    }
    const out = folderWithModel('old');
    await run(TSX, [script, out, 'never']);
    expect(read(out, 'model.json')).toContain('new');
    expect(read(out, 'weights.bin')).toBe('weights new');
  });

  it('the command line refuses an --out holding a model, or unwritable, before training, and leaves it as it was', async () => {
    const out = folderWithModel('old');
    const refused = await gfr('prune', 'lenet', '--epochs', '1', '--out', out);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: --out .* already holds a model \(model\.json\); nothing was trained\. .*--overwrite/);
    expect(refused.stderr).not.toMatch(/backend|epoch|step/);
    expect(read(out, 'model.json')).toContain('old');
    const root = mkdtempSync(join(tmpdir(), 'gfr-out-'));
    writeFileSync(join(root, 'a-file'), '');
    const unwritable = await gfr('prune', 'lenet', '--epochs', '1', '--out', join(root, 'a-file', 'out'));
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/^error: --out .*cannot create/);
    expect(unwritable.stderr).not.toMatch(/backend|epoch|step/);
  });
});
