/** Types of the files the studio hands back (made in the worker, saved through object URLs). */

const MIME: Record<string, string> = {
  json: 'application/json',
  md: 'text/markdown',
  bin: 'application/octet-stream',
  zip: 'application/zip',
};

export function mimeOf(name: string): string {
  return MIME[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}
