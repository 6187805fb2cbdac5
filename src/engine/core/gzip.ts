/**
 * Gzip inflated within a cap, without allocating what a deflate bomb claims: the trailer's size is checked first,
 * then the stream is inflated into a buffer of that size, and inflating stops as soon as it would pass it (a
 * trailer that lies, or a size past 4 GiB that its 32 bits wrap around).
 */
import { Gunzip } from 'fflate';
import { concatBytes } from './bytes';
import { UserError } from './errors';
import { LIMITS } from './limits';

/** Input fed at a time: at deflate's best ratio (1032:1) one push inflates at most ~16 MiB. */
const CHUNK = 16 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const damaged = (name: string, why: string): UserError =>
  new UserError(`${name} looks gzipped but could not be decompressed (${why}). The file may be truncated or damaged; download it again.`);

/** How many inflated bytes `inspectHead` sees first (or all of them, when fewer). */
export const HEAD_BYTES = 1024;

export interface GunzipOptions {
  limit?: number;
  /** Sees the first HEAD_BYTES inflated bytes before the rest is inflated: a header may refuse the file there. */
  inspectHead?: (head: Uint8Array) => void;
}

export function gunzipWithin(bytes: Uint8Array, name: string, { limit = LIMITS.archiveBytes, inspectHead }: GunzipOptions = {}): Uint8Array {
  if (bytes.length < 18) throw damaged(name, 'it is shorter than a gzip header and trailer');
  const declared = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  if (declared > limit) {
    throw new UserError(`${name} inflates to ${declared} bytes, its gzip trailer says; the limit is ${limit} bytes. Use fewer or smaller images (or, if the file was cut short, download it again).`);
  }
  // The output is allocated once the head has been inspected; until then the first chunks wait in a list.
  let out: Uint8Array | undefined;
  const waiting: Uint8Array[] = [];
  let length = 0;
  let overflow = false;
  const stream = new Gunzip((chunk) => {
    if (overflow) return;
    if (length + chunk.length > declared) overflow = true;
    else if (out) out.set(chunk, length);
    else waiting.push(chunk.slice());
    length += chunk.length;
  });
  for (let offset = 0; offset < bytes.length && !overflow; offset += CHUNK) {
    try {
      stream.push(bytes.subarray(offset, offset + CHUNK), offset + CHUNK >= bytes.length);
    } catch (error) {
      throw damaged(name, (error as Error).message);
    }
    if (!out && !overflow && length >= Math.min(HEAD_BYTES, declared)) {
      const head = new Uint8Array(concatBytes(waiting.splice(0)));
      inspectHead?.(head.subarray(0, HEAD_BYTES));
      out = new Uint8Array(declared);
      out.set(head);
    }
  }
  if (overflow) {
    throw new UserError(`${name} inflates past the ${declared} bytes its gzip trailer declares; it was refused before inflating further (a damaged file or a deflate bomb).`);
  }
  if (!out || length !== declared) throw damaged(name, `it inflates to ${length} bytes, its trailer says ${declared}`);
  return out;
}
