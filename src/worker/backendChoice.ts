/**
 * The pure part of choosing a backend: which backends to try for a request,
 * how to read a WebGPU adapter, and how to explain the outcome to a person.
 * No tfjs and no browser globals here, so it is tested under Node.
 */

import { BACKEND_ORDER, isBackendName, type BackendName } from '../contract/backends';
import type { AdapterInfo, BackendAttempt } from './messages';

export interface BackendPlan {
  /** Backends to try, in order. Never empty: `cpu` always remains. */
  chain: BackendName[];
  /** Backends passed over because the page asked to start later in the order. */
  skipped: BackendAttempt[];
  requested: BackendName | null;
  /** Set when the page asked for a backend that does not exist. */
  invalidRequest: string | null;
}

/** The chain for a `?backend=` request: start at the requested one, keep those after it as fallbacks. */
export function planBackends(requested: string | null | undefined): BackendPlan {
  const raw = requested?.trim().toLowerCase() ?? '';
  if (raw === '') {
    return { chain: [...BACKEND_ORDER], skipped: [], requested: null, invalidRequest: null };
  }
  if (!isBackendName(raw)) {
    return { chain: [...BACKEND_ORDER], skipped: [], requested: null, invalidRequest: requested ?? '' };
  }
  const start = BACKEND_ORDER.indexOf(raw);
  return {
    chain: BACKEND_ORDER.slice(start),
    skipped: BACKEND_ORDER.slice(0, start).map((backend) => ({
      backend,
      outcome: 'skipped' as const,
      reason: `not tried: the page address asks for ?backend=${raw}`,
    })),
    requested: raw,
    invalidRequest: null,
  };
}

/**
 * Gradient kernels that sparse training of the built-in CNNs needs. A backend
 * may run a model forward without them, but cannot train it.
 */
export const TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
] as const;

/** The fields of GPUAdapterInfo the studio reads; all optional across browser versions. */
export interface RawAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/**
 * Flattens a GPUAdapter's `info`. `isFallbackAdapter` moved from the adapter
 * (older Chrome) to `adapter.info` (Chrome 136+); either counts. SwiftShader
 * is Chrome's CPU implementation of WebGPU: software even when not flagged.
 */
export function readAdapterInfo(info: RawAdapterInfo | undefined, legacyIsFallback: boolean | undefined): AdapterInfo {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const isFallbackAdapter = info?.isFallbackAdapter === true || legacyIsFallback === true;
  const software = isFallbackAdapter || isSoftwareRenderer(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, isFallbackAdapter, software };
}

/** A GPU device or WebGL renderer name that means a CPU implementation. */
export function isSoftwareRenderer(name: string): boolean {
  return /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render driver/i.test(name);
}

/**
 * Whether a GPU backend that works should still give way: it runs in software
 * (a CPU emulating a GPU), which trains slower than WebAssembly, and the page
 * did not ask for it by name (`?backend=webgpu` forces it, for tests).
 */
export function skipSoftwareGpu(backend: BackendName, software: boolean, plan: Pick<BackendPlan, 'requested'>): boolean {
  return software && (backend === 'webgpu' || backend === 'webgl') && plan.requested !== backend;
}

/** The attempt recorded for a software GPU backend passed over for wasm. */
export function softwareSkip(backend: BackendName, device: string): BackendAttempt {
  return {
    backend,
    outcome: 'skipped',
    reason: `available, but ${device} runs it in software, which is slower than WebAssembly`,
    softwareDevice: device,
  };
}

/** "google swiftshader (SwiftShader Device (Subzero))", or "unknown adapter" when the browser hides it all. */
export function adapterLabel(adapter: AdapterInfo): string {
  const head = [adapter.vendor, adapter.architecture].filter((s) => s !== '').join(' ');
  const tail = adapter.description || adapter.device;
  if (head === '' && tail === '') return 'unknown adapter';
  if (head === '') return tail;
  return tail === '' ? head : `${head} (${tail})`;
}

const NAMES: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WebAssembly',
  cpu: 'plain JavaScript (cpu)',
};

/**
 * One or two sentences for the status line: what runs, on what, and why a
 * better backend did not.
 */
export function describeChoice(
  backend: BackendName,
  attempts: BackendAttempt[],
  adapter: AdapterInfo | null,
  plan: Pick<BackendPlan, 'requested' | 'invalidRequest'>,
  missingTrainingKernels: string[] = [],
): string {
  const parts: string[] = [];
  if (backend === 'webgpu') {
    if (adapter?.software) {
      const flag = adapter.isFallbackAdapter ? 'a fallback adapter' : 'not a hardware GPU';
      parts.push(
        `Running on WebGPU with a software adapter: ${adapterLabel(adapter)} is ${flag}, ` +
          'so the GPU work runs on the CPU and will be slow.',
      );
    } else {
      parts.push(`Running on WebGPU, hardware adapter: ${adapter ? adapterLabel(adapter) : 'unknown adapter'}.`);
    }
  } else {
    parts.push(`Running on ${NAMES[backend]}.`);
    const software = attempts.filter((a) => a.softwareDevice !== undefined);
    if (software.length > 0) {
      const names = software.map((a) => NAMES[a.backend]).join(' and ');
      const devices = software.map((a) => a.softwareDevice).join('; ');
      const flags = software.map((a) => `?backend=${a.backend}`).join(' or ');
      parts.push(
        `${names} ${software.length === 1 ? 'is' : 'are'} available but software (${devices}), ` +
          `so ${NAMES[backend]} is faster; add ${flags} to the address to use ${software.length === 1 ? 'it' : 'one'} anyway.`,
      );
    }
    const failed = attempts.filter((a) => a.outcome === 'failed');
    if (failed.length > 0) {
      const why = failed.map((a) => `${a.backend}: ${a.reason}`).join('; ');
      parts.push(`Fell back because ${why}.`);
    }
  }
  if (missingTrainingKernels.length > 0) {
    parts.push(
      `This backend cannot train convolutions: tfjs has no ${missingTrainingKernels.join(', ')} kernel for it.`,
    );
  }
  if (plan.requested !== null) {
    const skipped = attempts.filter((a) => a.outcome === 'skipped' && a.softwareDevice === undefined).map((a) => a.backend);
    const notTried =
      skipped.length === 0 ? '' : `; ${skipped.join(' and ')} ${skipped.length === 1 ? 'was' : 'were'} not tried`;
    parts.push(`The page address asks for ?backend=${plan.requested}${notTried}.`);
  }
  if (plan.invalidRequest !== null) {
    parts.push(
      `Ignored ?backend=${plan.invalidRequest}: not one of ${BACKEND_ORDER.join(', ')}.`,
    );
  }
  return parts.join(' ');
}
