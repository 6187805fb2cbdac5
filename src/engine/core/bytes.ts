/** Joins byte arrays into one ArrayBuffer (weight shards, weight data). */
export function concatBytes(parts: ArrayBufferView[]): ArrayBuffer {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), offset);
    offset += part.byteLength;
  }
  return joined.buffer;
}
