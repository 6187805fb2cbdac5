import { describe, expect, it } from 'vitest';

import { adapterLabel, describeChoice, isSoftwareRenderer, planBackends, readAdapterInfo, skipSoftwareGpu, softwareSkip } from './backendChoice';

describe('planBackends', () => {
  it('tries every backend, best first, when nothing is requested', () => {
    expect(planBackends(null)).toEqual({
      chain: ['webgpu', 'webgl', 'wasm', 'cpu'],
      skipped: [],
      requested: null,
      invalidRequest: null,
    });
  });

  it('starts the chain at a requested backend and keeps the later ones as fallbacks', () => {
    const plan = planBackends('WASM');
    expect(plan.chain).toEqual(['wasm', 'cpu']);
    expect(plan.requested).toBe('wasm');
    expect(plan.skipped.map((a) => [a.backend, a.outcome])).toEqual([
      ['webgpu', 'skipped'],
      ['webgl', 'skipped'],
    ]);
  });

  it('reports and ignores an unknown backend name', () => {
    const plan = planBackends('tpu');
    expect(plan.chain[0]).toBe('webgpu');
    expect(plan.invalidRequest).toBe('tpu');
  });
});

describe('readAdapterInfo', () => {
  it('treats SwiftShader as software even when it is not flagged as a fallback', () => {
    const info = readAdapterInfo({ vendor: 'google', architecture: 'swiftshader' }, undefined);
    expect(info).toMatchObject({ isFallbackAdapter: false, software: true, description: '' });
    expect(adapterLabel(info)).toBe('google swiftshader');
  });

  it('reads the fallback flag from adapter.info or from the adapter (older Chrome)', () => {
    expect(readAdapterInfo({ vendor: 'x', isFallbackAdapter: true }, undefined).isFallbackAdapter).toBe(true);
    expect(readAdapterInfo({ vendor: 'x' }, true).isFallbackAdapter).toBe(true);
    expect(readAdapterInfo(undefined, undefined)).toMatchObject({ software: false, vendor: '' });
  });

  it('calls a named hardware GPU hardware', () => {
    const info = readAdapterInfo({ vendor: 'nvidia', architecture: 'ampere', description: 'RTX 3060' }, false);
    expect(info.software).toBe(false);
    expect(adapterLabel(info)).toBe('nvidia ampere (RTX 3060)');
  });
});

describe('describeChoice', () => {
  const plain = { requested: null, invalidRequest: null };

  it('says a software adapter is software', () => {
    const adapter = readAdapterInfo({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }, undefined);
    const note = describeChoice('webgpu', [{ backend: 'webgpu', outcome: 'ok', reason: '' }], adapter, plain);
    expect(note).toMatch(/software adapter/);
    expect(note).toMatch(/fallback adapter/);
  });

  it('explains each failed backend when it fell back', () => {
    const note = describeChoice(
      'wasm',
      [
        { backend: 'webgpu', outcome: 'failed', reason: 'navigator.gpu is missing' },
        { backend: 'webgl', outcome: 'failed', reason: 'no WebGL context' },
        { backend: 'wasm', outcome: 'ok', reason: '' },
      ],
      null,
      plain,
    );
    expect(note).toBe(
      'Running on WebAssembly. Fell back because webgpu: navigator.gpu is missing; webgl: no WebGL context.',
    );
  });

  it('names missing training kernels and the requested backend', () => {
    const plan = planBackends('wasm');
    const attempts = [...plan.skipped, { backend: 'wasm' as const, outcome: 'ok' as const, reason: '' }];
    const note = describeChoice('wasm', attempts, null, plan, ['Conv2DBackpropFilter']);
    expect(note).toBe(
      'Running on WebAssembly. This backend cannot train convolutions: tfjs has no Conv2DBackpropFilter kernel ' +
        'for it. The page address asks for ?backend=wasm; webgpu and webgl were not tried.',
    );
  });

  it('explains a requested backend that failed', () => {
    const plan = planBackends('webgl');
    const attempts = [
      ...plan.skipped,
      { backend: 'webgl' as const, outcome: 'failed' as const, reason: 'no WebGL context' },
      { backend: 'wasm' as const, outcome: 'ok' as const, reason: '' },
    ];
    expect(describeChoice('wasm', attempts, null, plan)).toBe(
      'Running on WebAssembly. Fell back because webgl: no WebGL context. ' +
        'The page address asks for ?backend=webgl; webgpu was not tried.',
    );
  });
});

describe('software GPU backends', () => {
  it('give way to wasm unless the page asked for them by name', () => {
    expect(skipSoftwareGpu('webgpu', true, planBackends(null))).toBe(true);
    expect(skipSoftwareGpu('webgl', true, planBackends(null))).toBe(true);
    expect(skipSoftwareGpu('webgpu', true, planBackends('webgpu'))).toBe(false);
    expect(skipSoftwareGpu('webgl', true, planBackends('webgpu'))).toBe(true);
    expect(skipSoftwareGpu('webgpu', false, planBackends(null))).toBe(false);
    expect(skipSoftwareGpu('wasm', true, planBackends(null))).toBe(false);
  });

  it('recognises software renderers', () => {
    expect(isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)')).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060)')).toBe(false);
  });

  it('says WebGPU is available but software, so wasm is faster, and how to force it', () => {
    const note = describeChoice(
      'wasm',
      [
        softwareSkip('webgpu', 'google swiftshader, a fallback adapter'),
        { backend: 'webgl', outcome: 'failed', reason: 'no WebGL context' },
        { backend: 'wasm', outcome: 'ok', reason: '' },
      ],
      readAdapterInfo({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }, undefined),
      { requested: null, invalidRequest: null },
    );
    expect(note).toBe(
      'Running on WebAssembly. WebGPU is available but software (google swiftshader, a fallback adapter), so ' +
        'WebAssembly is faster; add ?backend=webgpu to the address to use it anyway. Fell back because webgl: no WebGL context.',
    );
  });

  it('names every software GPU backend passed over in one sentence', () => {
    const note = describeChoice(
      'wasm',
      [softwareSkip('webgpu', 'google swiftshader'), softwareSkip('webgl', 'the SwiftShader renderer'), { backend: 'wasm', outcome: 'ok', reason: '' }],
      null,
      { requested: null, invalidRequest: null },
    );
    expect(note).toBe(
      'Running on WebAssembly. WebGPU and WebGL are available but software (google swiftshader; the SwiftShader renderer), ' +
        'so WebAssembly is faster; add ?backend=webgpu or ?backend=webgl to the address to use one anyway.',
    );
  });
});
