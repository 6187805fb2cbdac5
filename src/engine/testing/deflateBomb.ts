/**
 * A real gzip deflate bomb, written directly rather than compressed (compressing 1 GiB takes ~25 s): `prefix`
 * in a stored block, then `zeros` zero bytes as one dynamic-Huffman block of length-258, distance-1 matches at two
 * bits each (deflate's best ratio, ~1032:1), with a true CRC-32 and size in the trailer (the size modulo 2^32, as
 * gzip writes it). Any inflater reads it back to `prefix` followed by the zeros.
 */

class BitWriter {
  private readonly bytes: Uint8Array;
  private length = 0;
  private bit = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  /** `count` bits of `value`, least significant first (deflate's order for header fields and extra bits). */
  bits(value: number, count: number): void {
    for (let i = 0; i < count; i++) {
      if ((value >>> i) & 1) this.bytes[this.length] |= 1 << this.bit;
      if (++this.bit === 8) { this.bit = 0; this.length++; }
    }
  }

  /** A Huffman code of `count` bits, most significant first. */
  code(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bits((value >>> i) & 1, 1);
  }

  alignedBytes(values: Uint8Array): void {
    if (this.bit) { this.bit = 0; this.length++; }
    this.bytes.set(values, this.length);
    this.length += values.length;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length + (this.bit ? 1 : 0));
  }
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crcBytes(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** 32×32 matrices over GF(2), as zlib's crc32_combine: the register after `n` zero bytes, in log n steps. */
const gf2Times = (matrix: Uint32Array, vector: number): number => {
  let sum = 0;
  for (let i = 0; vector; i++, vector >>>= 1) if (vector & 1) sum ^= matrix[i];
  return sum >>> 0;
};
const gf2Square = (matrix: Uint32Array): Uint32Array => Uint32Array.from(matrix, (row) => gf2Times(matrix, row));

function crcZeros(crc: number, count: number): number {
  // One zero bit shifts the register right, folding in the polynomial.
  let operator: Uint32Array = Uint32Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xedb88320 : 1 << (i - 1)));
  for (let i = 0; i < 3; i++) operator = gf2Square(operator);
  let register = ~crc >>> 0;
  for (let n = count; n > 0; n = Math.floor(n / 2)) {
    if (n % 2) register = gf2Times(operator, register);
    operator = gf2Square(operator);
  }
  return ~register >>> 0;
}

export function gzipBomb(prefix: Uint8Array, zeros: number): Uint8Array {
  if (zeros < 1) throw new Error('gzipBomb: at least one zero');
  const matches = Math.floor((zeros - 1) / 258);
  const literals = zeros - 1 - matches * 258;
  const writer = new BitWriter(prefix.length + Math.ceil((matches * 2 + literals * 2) / 8) + 256);
  // Stored block with the prefix.
  writer.bits(0, 1);
  writer.bits(0, 2);
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint16(0, prefix.length, true);
  new DataView(header.buffer).setUint16(2, ~prefix.length & 0xffff, true);
  writer.alignedBytes(header);
  writer.alignedBytes(prefix);
  // Final dynamic block: literal 0 ('10'), end of block ('11'), length 258 ('0'); one distance code, 1 ('0').
  writer.bits(1, 1);
  writer.bits(2, 2);
  writer.bits(29, 5); // 286 literal/length codes
  writer.bits(0, 5); // 1 distance code
  writer.bits(14, 4); // 18 code-length codes, up to the one for length 1
  // Code-length code: symbols 0, 1, 2 and 18, two bits each (canonical: 0 → 00, 1 → 01, 2 → 10, 18 → 11).
  const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
  for (const symbol of ORDER) writer.bits([0, 1, 2, 18].includes(symbol) ? 2 : 0, 3);
  const length = (value: 0 | 1 | 2) => writer.code(value, 2);
  const zeroRun = (count: number) => { writer.code(3, 2); writer.bits(count - 11, 7); };
  length(2); // literal 0
  zeroRun(138);
  zeroRun(117); // literals 1..255 unused
  length(2); // 256, end of block
  zeroRun(28); // 257..284 unused
  length(1); // 285, length 258
  length(1); // distance code 0, distance 1
  writer.code(0b10, 2);
  for (let i = 0; i < matches; i++) writer.code(0b00, 2);
  for (let i = 0; i < literals; i++) writer.code(0b10, 2);
  writer.code(0b11, 2);
  const deflated = writer.finish();
  const out = new Uint8Array(10 + deflated.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  out.set(deflated, 10);
  const trailer = new DataView(out.buffer, 10 + deflated.length);
  trailer.setUint32(0, crcZeros(crcBytes(0, prefix), zeros), true);
  trailer.setUint32(4, (prefix.length + zeros) % 2 ** 32, true);
  return out;
}
