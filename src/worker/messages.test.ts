/**
 * The messages are typed from the functions that answer each call (./backendCalls.ts, ./studio/calls.ts): a change to
 * a call's parameters or result reaches the page's `bridge.call` as a type error. Checked by `npm run typecheck`.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { QuantizedFigures } from '../contract/candidate';
import type { InputScaling } from '../contract/preprocessing';
import type { TrainingEstimate, TrainSummary } from '../contract/events';
import type { SelectionRule } from '../contract/select';
import type { SearchSettings } from '../contract/settings';
import type { Reference } from '../engine/session';
import type { CallRequest, InitParams, InitResult, MethodName, ParamsOf, ResultOf, SelfTestResult } from './messages';
import type {
  DataSource, DataSummary, ExportParams, ExportResult, InputPairing, ModelSource, ModelSummary, NoParams, QuantizeParams, RestoredWork, ScoresParams,
  ScoresResult, SearchNextResult, SearchRestResult, SearchStartResult, SelectResult, TrainParams, ValidationSource,
} from './studioTypes';

describe('the calls between page and worker', () => {
  it('are typed from the functions that answer them: each call with its parameters and its result', () => {
    expectTypeOf<{ [M in MethodName]: [ParamsOf<M>, ResultOf<M>] }>().toEqualTypeOf<{
      init: [InitParams, InitResult]; selfTest: [NoParams, SelfTestResult];
      loadModel: [ModelSource, ModelSummary]; loadData: [DataSource, DataSummary]; loadValidationData: [ValidationSource, DataSummary];
      setPreprocessing: [InputScaling, InputPairing]; checkReference: [NoParams, Reference | null];
      train: [TrainParams, TrainSummary]; resumeTraining: [NoParams, TrainSummary]; pauseTraining: [{ paused: boolean }, { paused: boolean }];
      estimateTraining: [TrainParams, TrainingEstimate];
      scores: [ScoresParams, ScoresResult]; searchStart: [SearchSettings, SearchStartResult]; searchNext: [{ count: number }, SearchNextResult];
      searchRest: [NoParams, SearchRestResult]; select: [SelectionRule, SelectResult];
      exportCandidate: [ExportParams, ExportResult]; measureQuantized: [QuantizeParams, QuantizedFigures]; exportOriginalOnnx: [NoParams, ExportResult];
      restore: [NoParams, RestoredWork | null]; forgetSavedWork: [NoParams, null];
    }>();
  });

  it('pair each request with its own parameters', () => {
    expectTypeOf<Extract<CallRequest, { method: 'loadModel' }>['params']>().toEqualTypeOf<ModelSource>();
    expectTypeOf<{ kind: 'call'; id: 1; method: 'loadModel'; params: TrainParams }>().not.toMatchTypeOf<CallRequest>();
  });
});
