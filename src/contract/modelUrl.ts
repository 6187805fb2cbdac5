/**
 * A hosted model's address as the user pastes it, checked before anything is
 * fetched: the page shows the origin the request will go to, and the worker
 * refuses what the page would refuse.
 */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The address of a model.json or an .onnx file (https, or http on this machine), or what is wrong with it. */
export function checkModelUrl(text: string): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { problem: `"${text.trim()}" is not a web address; paste the full address of a model.json or an .onnx file, such as https://example.com/model/model.json.` };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) {
    return { problem: `${url.href} is not an https:// address; the studio fetches hosted models over https (or http from this machine) only.` };
  }
  if (url.username || url.password) return { problem: 'Give the model address without a user name or password in it.' };
  return { url };
}

/** An address whose path names an .onnx file (the query, such as ?download=true, aside): fetched as one file. */
export function isOnnxAddress(url: URL): boolean {
  return /\.onnx$/i.test(url.pathname);
}
