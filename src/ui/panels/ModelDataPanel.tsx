/** Stage 1: which network to compress and which images to train and measure it on. */
import { useId, useState, type ChangeEvent, type DragEvent } from 'react';

import { checkModelUrl, isOnnxAddress } from '../../contract/modelUrl';

import type { DataSummary, ModelSummary } from '../../worker/studioTypes';
import { SampleImage } from '../components/SampleImage';
import { Busy, Empty, StageError } from '../components/status';
import { fromInput, readAndSort, takeDropped, type PathedFile } from '../lib/files';
import { compact, percent } from '../lib/format';
import { OUTPUT_KIND_TEXT } from '../../contract/outputKind';
import { BUILTIN_MODELS } from '../store/defaults';
import { selectBusy, selectReference, useStudio } from '../store/store';
import { PreprocessingPanel } from './PreprocessingPanel';

export function ModelDataPanel() {
  return (
    <>
      <ModelPicker />
      <ModelView />
      <DataPicker />
      <ValidationPicker />
      <DataView />
      <PreprocessingPanel />
    </>
  );
}

function ModelPicker() {
  const choice = useStudio((s) => s.model.choice);
  const state = useStudio((s) => s.model.state);
  const engineReady = useStudio((s) => s.engine.state === 'done');
  const busy = useStudio(selectBusy);
  const loadBuiltinModel = useStudio((s) => s.loadBuiltinModel);
  const loadModelFiles = useStudio((s) => s.loadModelFiles);
  const disabled = !engineReady || busy;
  const fileId = useId();

  const onFiles = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const files = fromInput(event.target.files);
    event.target.value = '';
    if (!files.length) return;
    const sorted = await readAndSort(files);
    await loadModelFiles([...sorted.model, ...sorted.data]);
  };

  return (
    <fieldset className="block" disabled={disabled}>
      <legend>Model</legend>
      <div className="choices" role="radiogroup" aria-label="Built-in model">
        {BUILTIN_MODELS.map((m) => (
          <label key={m.name} className={choice === m.name ? 'choice choice-on' : 'choice'}>
            <input
              type="radio"
              name="model"
              value={m.name}
              checked={choice === m.name}
              onChange={() => void loadBuiltinModel(m.name)}
            />
            <span className="choice-title">{m.title}</span>
            <span className="choice-text">{m.text}</span>
          </label>
        ))}
      </div>
      <div className="file-row">
        <input
          id={fileId}
          className="visually-hidden"
          type="file"
          multiple
          accept=".json,.bin,.zip,.keras,.h5,.hdf5,.onnx,application/json,application/zip"
          aria-label="Open your model: model.json with its weight files, one zip, a .keras, an .h5 or an .onnx file"
          onChange={(e) => void onFiles(e)}
          data-testid="model-files"
        />
        <label htmlFor={fileId} className={`file-button${disabled ? ' is-disabled' : ''}`}>
          Open your model…
        </label>
        <span className="hint">
          {choice === 'files' && state !== 'error' ? 'Your model is loaded. ' : ''}A TensorFlow.js LayersModel (model.json with
          its .bin weight files, or one zip), a Keras file (.keras or .h5) or an ONNX file (.onnx, as PyTorch exports it). Or drop it anywhere on the page.
        </span>
      </div>
      <ModelUrlRow />
    </fieldset>
  );
}

/** A hosted model.json or .onnx file by its address: the origin is shown, and nothing is fetched until the button is pressed. */
function ModelUrlRow() {
  const loadModelUrl = useStudio((s) => s.loadModelUrl);
  const [address, setAddress] = useState('');
  const id = useId();
  const checked = address.trim() ? checkModelUrl(address) : null;
  const url = checked && 'url' in checked ? checked.url : null;
  const origin = url?.origin ?? null;
  const problem = checked && 'problem' in checked ? checked.problem : null;
  const fetched = url && isOnnxAddress(url) ? 'The .onnx file is' : 'The model.json and the weight files it names are';
  return (
    <div className="url-row">
      <label htmlFor={id}>Or a hosted model by its address (model.json or .onnx)</label>
      <div className="field-input">
        <input
          id={id}
          type="url"
          inputMode="url"
          placeholder="https://…/model.json or https://…/model.onnx"
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          data-testid="model-url"
        />
        <button type="button" disabled={!origin} onClick={() => void loadModelUrl(address.trim())} data-testid="model-url-load">
          {origin ? `Fetch from ${origin}` : 'Fetch'}
        </button>
      </div>
      <p className="field-hint" data-testid="model-url-note">
        {problem ?? (origin
          ? `${fetched} fetched from ${origin}, only when you press the button, without cookies.`
          : 'Nothing is fetched until you press the button. A Teachable Machine or TensorFlow Hub LayersModel, or an .onnx file, works; the server must allow cross-origin requests.')}
      </p>
    </div>
  );
}

function ModelView() {
  const { state, summary, error } = useStudio((s) => s.model);
  const pending = useStudio((s) => s.inputs.pending);
  return (
    <div className="block" aria-live="polite" data-testid="model-view">
      {state === 'running' && <Busy>Reading the model and finding its channel groups…</Busy>}
      <StageError message={error} testId="model-error" />
      {pending && summary && (
        <p className="note" role="status" data-testid="model-pending">
          Your model waits for data that fits: {pending}
        </p>
      )}
      {summary ? <ModelSummaryView summary={summary} /> : state !== 'running' && <Empty>No model yet. Pick a built-in one or drop your own.</Empty>}
    </div>
  );
}

function ModelSummaryView({ summary }: { summary: ModelSummary }) {
  const { analysis } = summary;
  const reference = useStudio(selectReference);
  // Measured on images once training or the search has run; before that, what the last layers state.
  const outputKind = reference?.outputKind ?? summary.outputKind;
  const prunable = analysis.groups.filter((g) => g.prunable);
  const unprunable = analysis.groups.filter((g) => !g.prunable);
  return (
    <div className="summary" data-testid="model-summary">
      <h3>
        {summary.name} <span className="muted">· {summary.source}</span>
      </h3>
      {summary.onnx && (
        <p className="hint" data-testid="model-onnx-origin">
          ONNX, opset {summary.onnx.opset}
          {summary.onnx.producer ? `, written by ${summary.onnx.producer}` : ''}; input “{summary.onnx.inputName}” in {summary.onnx.inputLayout} layout, which the
          ONNX download keeps.
          {summary.onnx.rebuiltBatchNorms > 0 &&
            ` ${summary.onnx.rebuiltBatchNorms} BatchNormalization${summary.onnx.rebuiltBatchNorms === 1 ? '' : 's'} rebuilt where the export had folded them into the convolution before (they change nothing; their scales are what pruning reads).`}
        </p>
      )}
      <dl className="stats">
        <div>
          <dt>Input</dt>
          <dd>{summary.inputShape.join(' × ')}</dd>
        </div>
        <div>
          <dt>Classes</dt>
          <dd>{summary.numClasses}</dd>
        </div>
        <div>
          <dt>Outputs</dt>
          <dd data-testid="model-outputs" title={reference ? 'measured on the images' : 'as its last layers state'}>
            {outputKind ? OUTPUT_KIND_TEXT[outputKind] : 'found from its outputs when training starts'}
          </dd>
        </div>
        {reference && (
          <div>
            <dt>Original accuracy</dt>
            <dd data-testid="model-original-accuracy" title="on the validation images, as loaded (a built-in model: after pretraining): the reference of every result">
              {percent(reference.accuracy, 2)}
            </dd>
          </div>
        )}
        <div>
          <dt>Parameters</dt>
          <dd data-testid="model-params">{compact(analysis.params)}</dd>
        </div>
        <div>
          <dt>FLOPs / image</dt>
          <dd title="multiply–adds per image">{compact(analysis.flops)}</dd>
        </div>
        <div>
          <dt>Prunable channels</dt>
          <dd data-testid="model-prunable">
            {analysis.prunableChannels} of {analysis.totalChannels}
          </dd>
        </div>
        <div>
          <dt>Groups</dt>
          <dd>
            {prunable.length} prunable{unprunable.length ? `, ${unprunable.length} not` : ''}
          </dd>
        </div>
      </dl>
      {analysis.prunableChannels === 0 && (
        <p className="stage-error" role="alert">
          This model has no channel the studio can prune: see the reasons below.
        </p>
      )}
      <table className="table" aria-label="Channel groups">
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col" className="num">
              Channels
            </th>
            <th scope="col">Layers cut together</th>
          </tr>
        </thead>
        <tbody>
          {analysis.groups.map((g) => (
            <tr key={g.key} className={g.prunable ? undefined : 'row-muted'}>
              <th scope="row">
                {g.key}
                {!g.prunable && <span className="tag">kept whole</span>}
              </th>
              <td className="num">{g.size}</td>
              <td>{g.members.map((m) => [m.layer, m.bn, m.gfr].filter(Boolean).join(' → ')).join('; ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {unprunable.length > 0 && (
        <details className="reasons">
          <summary>Why {unprunable.length === 1 ? 'one group is' : `${unprunable.length} groups are`} kept whole</summary>
          <ul>
            {unprunable.map((g) => (
              <li key={g.key}>
                <code>{g.key}</code>: {g.reasons.join('; ') || 'no reason given'}
              </li>
            ))}
          </ul>
        </details>
      )}
      {analysis.unsupportedLayers.length > 0 && (
        <p className="hint" role="note">
          Layers the engine does not understand (their channels stay as they are):{' '}
          {analysis.unsupportedLayers.map((u) => `${u.layer} (${u.className}: ${u.reason})`).join('; ')}.
        </p>
      )}
      <details>
        <summary>All {analysis.layers.length} layers</summary>
        <div className="table-scroll">
          <table className="table" aria-label="Layers">
            <thead>
              <tr>
                <th scope="col">Layer</th>
                <th scope="col">Type</th>
                <th scope="col">Output</th>
                <th scope="col" className="num">
                  Params
                </th>
                <th scope="col" className="num">
                  FLOPs
                </th>
              </tr>
            </thead>
            <tbody>
              {analysis.layers.map((l) => (
                <tr key={l.name} className={l.role === 'unsupported' ? 'row-warn' : undefined} title={l.reason}>
                  <th scope="row">{l.name}</th>
                  <td>{l.className}</td>
                  <td>{l.outputShape ? l.outputShape.join('×') : '?'}</td>
                  <td className="num">{compact(l.params)}</td>
                  <td className="num">{compact(l.flops)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}

function DataPicker() {
  const choice = useStudio((s) => s.data.choice);
  const engineReady = useStudio((s) => s.engine.state === 'done');
  const busy = useStudio(selectBusy);
  const loadBuiltinData = useStudio((s) => s.loadBuiltinData);
  const loadDataFiles = useStudio((s) => s.loadDataFiles);
  const disabled = !engineReady || busy;

  const onFiles = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const files = fromInput(event.target.files);
    event.target.value = '';
    if (!files.length) return;
    const sorted = await readAndSort(files);
    await loadDataFiles([...sorted.data, ...sorted.model]);
  };

  return (
    <fieldset className="block" disabled={disabled}>
      <legend>Data</legend>
      <div className="choices" role="radiogroup" aria-label="Data source">
        <label className={choice === 'builtin' ? 'choice choice-on' : 'choice'}>
          <input type="radio" name="data" value="builtin" checked={choice === 'builtin'} onChange={() => void loadBuiltinData()} />
          <span className="choice-title">Built-in digits</span>
          <span className="choice-text">10,000 handwritten digits (28×28, 10 classes) from the mnist package.</span>
        </label>
      </div>
      <div className="file-row">
        <FileAndFolderPickers
          what="data files"
          filesLabel="Open data files: IDX images and labels, or a zip of images in one folder per class"
          folderLabel="Open a folder of images, one subfolder per class"
          onChange={(e) => void onFiles(e)}
          disabled={disabled}
          testId="data-files"
        />
      </div>
      <p className="hint">
        IDX files (<code>*-idx3-ubyte</code> with <code>*-idx1-ubyte</code>, gzipped or not), or images in one folder per class
        (as a folder or a zip). {choice === 'files' ? 'Your data is loaded.' : 'Or drop them anywhere on the page.'}
      </p>
    </fieldset>
  );
}

/**
 * Optional: the user's own validation images (the test images they keep aside). They judge every accuracy and the
 * verdict, and all of the data trains; without them, part of the data is held out. A drop here goes to them only.
 */
function ValidationPicker() {
  const data = useStudio((s) => s.data.summary);
  const { state, error } = useStudio((s) => s.validation);
  const engineReady = useStudio((s) => s.engine.state === 'done');
  const busy = useStudio(selectBusy);
  const loadValidationFiles = useStudio((s) => s.loadValidationFiles);
  const removeValidation = useStudio((s) => s.removeValidation);
  const [over, setOver] = useState(false);
  const disabled = !engineReady || busy || !data || state === 'running';
  const own = data?.validation?.separate ? data.validation : null;

  const take = async (files: PathedFile[]): Promise<void> => {
    if (!files.length) return;
    const sorted = await readAndSort(files);
    await loadValidationFiles([...sorted.data, ...sorted.model]);
  };
  const onFiles = (event: ChangeEvent<HTMLInputElement>): void => {
    const files = fromInput(event.target.files);
    event.target.value = '';
    void take(files);
  };
  // Kept from the page's drop target, which would load the files as the data.
  const onDragOver = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    event.stopPropagation();
    event.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
    setOver(true);
  };
  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    event.stopPropagation();
    setOver(false);
    if (disabled) return;
    const taken = takeDropped(event.dataTransfer);
    void taken.then(take);
  };

  return (
    <fieldset className="block" disabled={disabled}>
      <legend>Validation images (optional)</legend>
      <div
        className={`validation-drop${over ? ' is-over' : ''}`}
        onDragEnter={onDragOver}
        onDragOver={onDragOver}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="validation-drop"
      >
        <p className="hint">
          {own
            ? <>Your validation images are loaded: <strong>{own.count.toLocaleString('en')} images</strong> ({own.source}) judge every result, and all of your data trains.</>
            : <>Test images you keep aside? Drop them here (IDX files, or a folder or zip of one folder per class, as your data) and every
              accuracy and the verdict are judged on them; all of your data then trains. Without them, part of your data is held out.</>}
        </p>
        <div className="file-row">
          <FileAndFolderPickers
            what="validation files"
            filesLabel="Open validation images: IDX images and labels, or a zip of images in one folder per class"
            folderLabel="Open a folder of validation images, one subfolder per class"
            onChange={onFiles}
            disabled={disabled}
            testId="validation-files"
          />
          {own && (
            <button type="button" onClick={() => void removeValidation()} data-testid="validation-remove">
              Remove: hold out part of the data again
            </button>
          )}
        </div>
      </div>
      {state === 'running' && <Busy>Reading the validation images…</Busy>}
      <StageError message={error} testId="validation-error" />
      {own?.notes && own.notes.length > 0 && (
        <ul className="hint notes" aria-label="Notes on reading the validation images">
          {own.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

/** Which images judge the results: the user's own validation images, or those held out from the data. */
function judgedOn(summary: DataSummary, yours: boolean): string {
  const validation = summary.validation;
  if (validation?.separate) {
    return `Results are judged on your ${validation.count.toLocaleString('en')} validation images (${validation.source}); all ${summary.count.toLocaleString('en')} images here train and calibrate.`;
  }
  return `Results are judged on ${summary.validationCount.toLocaleString('en')} images held out from ${yours ? 'your' : 'the'} data (10%, at most 1,000, the same each time).`;
}

function DataView() {
  const { state, summary, error } = useStudio((s) => s.data);
  return (
    <div className="block" aria-live="polite" data-testid="data-view">
      {state === 'running' && <Busy>Reading the images…</Busy>}
      <StageError message={error} testId="data-error" />
      {summary ? <DataSummaryView summary={summary} /> : state !== 'running' && <Empty>No data yet.</Empty>}
    </div>
  );
}

function DataSummaryView({ summary }: { summary: DataSummary }) {
  const most = Math.max(1, ...summary.classCounts);
  const yours = useStudio((s) => s.data.choice === 'files');
  return (
    <div className="summary" data-testid="data-summary">
      <h3>
        {summary.source}
      </h3>
      <dl className="stats">
        <div>
          <dt>Images</dt>
          <dd data-testid="data-count">{summary.count.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Train / validation</dt>
          <dd data-testid="data-split">
            {summary.trainCount.toLocaleString('en')} / {summary.validationCount.toLocaleString('en')}
            {summary.validation?.separate ? ' yours' : ''}
          </dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>
            {summary.height} × {summary.width} × {summary.channels}
          </dd>
        </div>
      </dl>
      <p className="hint" data-testid="data-judged">
        {judgedOn(summary, yours)}
      </p>
      {summary.notes && summary.notes.length > 0 && (
        <ul className="hint notes" aria-label="Notes on reading the data">
          {summary.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      <ul className="class-counts" aria-label="Images per class">
        {summary.classNames.map((name, i) => (
          <li key={name}>
            <span className="class-name">{name}</span>
            <span className="class-bar" aria-hidden="true">
              <span style={{ width: `${(summary.classCounts[i] / most) * 100}%` }} />
            </span>
            <span className="num">
              {summary.classCounts[i]} <span className="muted">({percent(summary.classCounts[i] / summary.count, 0)})</span>
            </span>
          </li>
        ))}
      </ul>
      {summary.samples.length > 0 && (
        <div className="samples" aria-label="Sample images">
          {summary.samples.map((sample, i) => (
            <SampleImage
              key={i}
              rgba={sample.rgba}
              width={summary.width}
              height={summary.height}
              label={summary.classNames[sample.label] ?? String(sample.label)}
            />
          ))}
        </div>
      )}
    </div>
  );
}

/** "Open … files" and "Open a folder…": two hidden file inputs behind their buttons, one change handler. */
function FileAndFolderPickers({ what, filesLabel, folderLabel, onChange, disabled, testId }: {
  what: string;
  filesLabel: string;
  folderLabel: string;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
  disabled: boolean;
  testId: string;
}) {
  const filesId = useId();
  const folderId = useId();
  const button = `file-button${disabled ? ' is-disabled' : ''}`;
  return (
    <>
      <input id={filesId} className="visually-hidden" type="file" multiple aria-label={filesLabel} onChange={onChange} data-testid={testId} />
      <label htmlFor={filesId} className={button}>
        Open {what}…
      </label>
      <input id={folderId} className="visually-hidden" type="file" aria-label={folderLabel} {...{ webkitdirectory: '', directory: '' }} onChange={onChange} />
      <label htmlFor={folderId} className={button}>
        Open a folder…
      </label>
    </>
  );
}
