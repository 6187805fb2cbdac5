/** Runs bench jobs in child processes, at most `limit` at a time (tfjs wasm uses one core per process). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

const children = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Children die with the benchmark, also when it is interrupted. */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => children.forEach((child) => child.kill()));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      children.forEach((child) => child.kill());
      process.exit(130);
    });
  }
}

/** Runs `script` (a TypeScript file, through tsx) with `args`; its stderr lines are relayed with a prefix. */
export function runTsChild(script: URL, args: string[], prefix: string): Promise<void> {
  return new Promise((resolve, reject) => {
    installCleanup();
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(script), ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
    children.add(child);
    let pending = '';
    let tail: string[] = [];
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim() || line.includes('tfjs-node') || /^=+$/.test(line.trim())) continue;
        tail = [...tail.slice(-20), line];
        process.stderr.write(`[${prefix}] ${line}\n`);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      children.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`${prefix} exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}
