/**
 * A hosted model's address, as the user pastes it: checked before anything is
 * fetched, so the page can show the origin the request will go to.
 */
import { UserError } from '../core/errors';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The address of a model.json: https, or http on this machine (a local server). Throws a UserError otherwise. */
export function parseModelUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new UserError(`"${text.trim()}" is not a web address; paste the full address of a model.json, such as https://example.com/model/model.json.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) {
    throw new UserError(`${url.href} is not an https:// address; the studio fetches hosted models over https (or http from this machine) only.`);
  }
  if (url.username || url.password) throw new UserError('Give the model address without a user name or password in it.');
  return url;
}
