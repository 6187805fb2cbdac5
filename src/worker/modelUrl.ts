/**
 * A hosted LayersModel by its address, through tfjs's own HTTP handler
 * (tf.io.http). Called only on the user's explicit action; every request,
 * model.json and the weight files its manifest names, must stay on the origin
 * of the address the user typed, and carries no cookies.
 */
import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../engine/core/abort';
import { UserError } from '../engine/core/errors';
import { modelFromArtifacts, type LoadedModel } from '../engine/io/modelFiles';
import { checkModelUrl } from '../contract/modelUrl';

/** The address of a model.json (https, or http on this machine); a UserError says what is wrong with another. */
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
  let artifacts: tf.io.ModelArtifacts;
  try {
    const handler = tf.io.http(url.href, { fetchFunc: sameOrigin });
    artifacts = await handler.load!();
  } catch (error) {
    throwIfAborted(signal);
    if (error instanceof UserError) throw error;
    throw new UserError(`Could not load a model from ${url.href}: ${(error as Error).message} Check the address, and that the server allows cross-origin requests (CORS) from this page.`);
  }
  return { ...modelFromArtifacts(artifacts, url.href), url: url.href };
}
