/**
 * A hosted model by its address: a LayersModel's model.json through tfjs's own
 * HTTP handler (tf.io.http), or an .onnx file fetched whole and read as a
 * dropped one would be. Called only on the user's explicit action; every
 * request (model.json and the weight files its manifest names, or the .onnx
 * file) goes to the origin of the address the user typed, and carries no cookies.
 */
import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../engine/core/abort';
import { UserError } from '../engine/core/errors';
import { loadModelFiles, MAX_MODEL_FILE_BYTES, modelFromArtifacts, type LoadedModel } from '../engine/io/modelFiles';
import { checkModelUrl, isOnnxAddress } from '../contract/modelUrl';

/** The address of a model.json or an .onnx file (https, or http on this machine); a UserError says what is wrong with another. */
export function parseModelUrl(address: string): URL {
  const checked = checkModelUrl(address);
  if ('problem' in checked) throw new UserError(checked.problem);
  return checked.url;
}

export async function loadModelFromUrl(address: string, signal: AbortSignal, fetchImpl: typeof fetch = fetch): Promise<LoadedModel & { url: string }> {
  const url = parseModelUrl(address);
  const sameOrigin: typeof fetch = (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input), url);
    if (target.origin !== url.origin) {
      return Promise.reject(new UserError(`${url.href} names a weight file at ${target.origin}, another origin; the studio fetches only from ${url.origin}, the address you typed.`));
    }
    return fetchImpl(target.href, { ...init, credentials: 'omit', signal });
  };
  if (isOnnxAddress(url)) return { ...(await onnxFromUrl(url, sameOrigin, signal)), url: url.href };
  let artifacts: tf.io.ModelArtifacts;
  try {
    const handler = tf.io.http(url.href, { fetchFunc: sameOrigin });
    artifacts = await handler.load!();
  } catch (error) {
    throwIfAborted(signal);
    if (error instanceof UserError) throw error;
    throw new UserError(`Could not load a model from ${url.href}: ${(error as Error).message} ${CHECK_ADDRESS}`);
  }
  return { ...modelFromArtifacts(artifacts, url.href), url: url.href };
}

const CHECK_ADDRESS = 'Check the address, and that the server allows cross-origin requests (CORS) from this page.';

/** One .onnx file, read as a dropped one is (the same limits and messages). */
async function onnxFromUrl(url: URL, fetchFile: typeof fetch, signal: AbortSignal): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    const response = await fetchFile(url.href);
    if (!response.ok) throw new Error(`the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`);
    const announced = Number(response.headers.get('content-length') ?? NaN);
    if (announced > MAX_MODEL_FILE_BYTES) throw new UserError(`${url.href} is ${announced} bytes; model files of at most ${MAX_MODEL_FILE_BYTES} bytes are read.`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throwIfAborted(signal);
    if (error instanceof UserError) throw error;
    throw new UserError(`Could not load a model from ${url.href}: ${(error as Error).message} ${CHECK_ADDRESS}`);
  }
  if (looksLikeWebPage(bytes)) {
    throw new UserError(`${url.href} answered with a web page, not the .onnx file: give the file's own (raw or download) address, such as a "resolve" or "raw" link rather than the page that shows it.`);
  }
  const name = decodeURIComponent(url.pathname.split('/').pop() ?? '') || 'model.onnx';
  return loadModelFiles([{ name, bytes }]);
}

/** HTML where a protobuf was expected: a repository's page for the file instead of the file. */
function looksLikeWebPage(bytes: Uint8Array): boolean {
  const start = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html');
}
