/** The machine and the versions a run measured on, for the report. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const PYTHON_PATH = '/usr/bin/python3';

export interface Environment {
  machine: { nproc: number; memoryGiB: number; cpuModel: string; platform: string };
  versions: { node: string; tfjs: string; chromium: string | null; torch: string | null; playwright: string };
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}

function commandOutput(file: string, args: string[]): string | null {
  if (!existsSync(file)) return null;
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 }).trim();
  } catch {
    return null;
  }
}

export function torchVersion(): string | null {
  return commandOutput(PYTHON_PATH, ['-c', 'import torch; print(torch.__version__)']);
}

export function describeEnvironment(): Environment {
  return {
    machine: {
      nproc: availableParallelism(),
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      platform: `${process.platform} ${process.arch}`,
    },
    versions: {
      node: process.version,
      tfjs: packageVersion('@tensorflow/tfjs'),
      chromium: commandOutput(CHROMIUM_PATH, ['--version']),
      torch: torchVersion(),
      playwright: packageVersion('playwright-core'),
    },
  };
}

/** 1-minute load average: other processes on the machine skew timings, so every run records it. */
export function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}
