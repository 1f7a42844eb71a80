// Boolean datasets for HDF5 NWB files. h5py (hence pynwb and the lab's files) stores a bool as
// the enum {FALSE: 0, TRUE: 1} over int8, and only that type reads back as numpy bool; h5wasm
// cannot create enum types. So the writer creates each bool dataset with a one-byte placeholder
// type whose datatype message is larger than the enum's (a compound of one int8 member), and
// after the file is closed this module rewrites that message in place into the enum plus a NIL
// (padding) message of the remaining length. The data bytes (0/1) are unchanged. Object headers
// are version 1 (the writer uses libver "earliest"), which carry no checksum.

/** Name of the placeholder compound's only member; must match what the writer creates. */
export const PLACEHOLDER_MEMBER = 'FALSE';

const MSG_NIL = 0x0000;
const MSG_DATATYPE = 0x0003;
const MSG_CONTINUATION = 0x0010;

/**
 * The placeholder's datatype message body: compound (class 6, version 1) of size 1 with one
 * member `PLACEHOLDER_MEMBER` at offset 0, a scalar signed little-endian int8.
 */
function placeholderBody(): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x16, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]); // v1 compound, 1 member, size 1
  b.set(new TextEncoder().encode(PLACEHOLDER_MEMBER), 8); // name, NUL-padded to 8 bytes
  // offset 0 (4), dimensionality 0 + reserved (4), permutation (4), reserved (4), dims (16): zeros
  b.set([0x10, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00], 48); // int8 member
  return b;
}

/** The h5py bool type: enum (class 8, version 1) over signed int8, FALSE = 0 then TRUE = 1. */
function enumBody(): Uint8Array {
  const b = new Uint8Array(40);
  b.set([0x18, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00]); // v1 enum, 2 members, size 1
  b.set([0x10, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00], 8); // base: int8 LE
  b.set(new TextEncoder().encode('FALSE'), 20); // names, NUL-padded to multiples of 8
  b.set(new TextEncoder().encode('TRUE'), 28);
  b.set([0x00, 0x01], 36); // values
  return b;
}

const PLACEHOLDER = placeholderBody();
const ENUM = enumBody();

function equalBytes(a: Uint8Array, offset: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (a[offset + i] !== b[i]) return false;
  return true;
}

/**
 * Rewrites the placeholder datatype of the dataset whose (version 1) object header starts at
 * `address`. Throws if the header is not version 1 or holds no placeholder message.
 */
export function patchBoolDataset(file: Uint8Array, address: number): void {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file[address] !== 1) throw new Error(`object header at ${address} is version ${file[address]}, expected 1`);
  const chunks: [number, number][] = [[address + 16, view.getUint32(address + 8, true)]];
  for (let c = 0; c < chunks.length; c++) {
    const [start, length] = chunks[c];
    for (let p = start; p + 8 <= start + length; ) {
      const type = view.getUint16(p, true);
      const size = view.getUint16(p + 2, true);
      if (type === MSG_CONTINUATION) {
        chunks.push([Number(view.getBigUint64(p + 8, true)), Number(view.getBigUint64(p + 16, true))]);
      } else if (type === MSG_DATATYPE && size === PLACEHOLDER.length && equalBytes(file, p + 8, PLACEHOLDER)) {
        view.setUint16(p + 2, ENUM.length, true);
        file.set(ENUM, p + 8);
        const nil = p + 8 + ENUM.length;
        file.fill(0, nil, p + 8 + size);
        view.setUint16(nil, MSG_NIL, true);
        view.setUint16(nil + 2, size - ENUM.length - 8, true);
        view.setUint16(address + 2, view.getUint16(address + 2, true) + 1, true); // message count
        return;
      }
      p += 8 + size;
    }
  }
  throw new Error(`object header at ${address}: no placeholder datatype message to turn into a bool enum`);
}
