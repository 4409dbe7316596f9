// Minimal Parquet writer for fixtures (hyparquet only reads): required UTF-8 string and INT64
// columns, PLAIN encoding, no compression, one data page per column chunk, any number of row
// groups. Footer metadata is Thrift compact protocol, written by hand below.

export type ParquetColumn = { name: string; type: 'string'; values: string[] } | { name: string; type: 'int64'; values: number[] };

// Thrift compact protocol type ids.
const T_I32 = 5;
const T_I64 = 6;
const T_BINARY = 8;
const T_LIST = 9;
const T_STRUCT = 12;

// Parquet enums used here.
const TYPE_INT64 = 2;
const TYPE_BYTE_ARRAY = 6;
const REQUIRED = 0;
const CONVERTED_UTF8 = 0;
const ENCODING_PLAIN = 0;
const ENCODING_RLE = 3;
const CODEC_UNCOMPRESSED = 0;
const PAGE_DATA = 0;

class ByteSink {
  private chunks: number[] = [];
  byte(b: number) {
    this.chunks.push(b & 0xff);
  }
  bytes(b: Uint8Array) {
    for (const x of b) this.chunks.push(x);
  }
  varint(v: bigint) {
    let x = v;
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }
  toArray() {
    return Uint8Array.from(this.chunks);
  }
}

/** A Thrift struct written field by field in ascending id order. */
class CompactStruct {
  private last = 0;
  constructor(private out: ByteSink) {}
  private header(id: number, type: number) {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.out.byte((delta << 4) | type);
    else {
      this.out.byte(type);
      this.out.varint(zigzag(BigInt(id)));
    }
    this.last = id;
  }
  i32(id: number, v: number) {
    this.header(id, T_I32);
    this.out.varint(zigzag(BigInt(v)));
  }
  i64(id: number, v: number | bigint) {
    this.header(id, T_I64);
    this.out.varint(zigzag(BigInt(v)));
  }
  string(id: number, s: string) {
    this.header(id, T_BINARY);
    const b = new TextEncoder().encode(s);
    this.out.varint(BigInt(b.length));
    this.out.bytes(b);
  }
  list(id: number, elemType: number, n: number, writeElem: (i: number) => void) {
    this.header(id, T_LIST);
    if (n < 15) this.out.byte((n << 4) | elemType);
    else {
      this.out.byte(0xf0 | elemType);
      this.out.varint(BigInt(n));
    }
    for (let i = 0; i < n; i++) writeElem(i);
  }
  struct(id: number, write: (s: CompactStruct) => void) {
    this.header(id, T_STRUCT);
    writeStruct(this.out, write);
  }
}

function zigzag(v: bigint): bigint {
  return v >= 0n ? v << 1n : ((-v) << 1n) - 1n;
}

function writeStruct(out: ByteSink, write: (s: CompactStruct) => void) {
  write(new CompactStruct(out));
  out.byte(0);
}

function plainValues(col: ParquetColumn, from: number, to: number): Uint8Array {
  const out = new ByteSink();
  if (col.type === 'string') {
    const enc = new TextEncoder();
    for (let i = from; i < to; i++) {
      const b = enc.encode(col.values[i]);
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, b.length, true);
      out.bytes(len);
      out.bytes(b);
    }
  } else {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    for (let i = from; i < to; i++) {
      dv.setBigInt64(0, BigInt(col.values[i]), true);
      out.bytes(b);
    }
  }
  return out.toArray();
}

/** Serializes `columns` (equal lengths) into a Parquet file with row groups of `rowGroupSize` rows. */
export function writeParquet(columns: ParquetColumn[], rowGroupSize = 1 << 20): Uint8Array<ArrayBuffer> {
  const numRows = columns[0]?.values.length ?? 0;
  const file = new ByteSink();
  file.bytes(new TextEncoder().encode('PAR1'));
  let offset = 4;
  const groups: { rows: number; chunks: { offset: number; size: number }[] }[] = [];
  for (let start = 0; start < numRows || (start === 0 && numRows === 0); start += rowGroupSize) {
    const end = Math.min(numRows, start + rowGroupSize);
    const chunks: { offset: number; size: number }[] = [];
    for (const col of columns) {
      const data = plainValues(col, start, end);
      const header = new ByteSink();
      writeStruct(header, (s) => {
        s.i32(1, PAGE_DATA);
        s.i32(2, data.length);
        s.i32(3, data.length);
        s.struct(5, (d) => {
          d.i32(1, end - start);
          d.i32(2, ENCODING_PLAIN);
          d.i32(3, ENCODING_RLE);
          d.i32(4, ENCODING_RLE);
        });
      });
      const h = header.toArray();
      file.bytes(h);
      file.bytes(data);
      chunks.push({ offset, size: h.length + data.length });
      offset += h.length + data.length;
    }
    groups.push({ rows: end - start, chunks });
    if (numRows === 0) break;
  }
  const footer = new ByteSink();
  writeStruct(footer, (m) => {
    m.i32(1, 1);
    m.list(2, T_STRUCT, columns.length + 1, (i) =>
      writeStruct(footer, (e) => {
        if (i === 0) {
          e.string(4, 'schema');
          e.i32(5, columns.length);
          return;
        }
        const col = columns[i - 1];
        e.i32(1, col.type === 'string' ? TYPE_BYTE_ARRAY : TYPE_INT64);
        e.i32(3, REQUIRED);
        e.string(4, col.name);
        if (col.type === 'string') e.i32(6, CONVERTED_UTF8);
      }),
    );
    m.i64(3, numRows);
    m.list(4, T_STRUCT, groups.length, (g) =>
      writeStruct(footer, (rg) => {
        const group = groups[g];
        rg.list(1, T_STRUCT, columns.length, (c) =>
          writeStruct(footer, (cc) => {
            const col = columns[c];
            const chunk = group.chunks[c];
            cc.i64(2, chunk.offset);
            cc.struct(3, (md) => {
              md.i32(1, col.type === 'string' ? TYPE_BYTE_ARRAY : TYPE_INT64);
              md.list(2, T_I32, 2, (k) => footer.varint(zigzag(BigInt(k === 0 ? ENCODING_PLAIN : ENCODING_RLE))));
              md.list(3, T_BINARY, 1, () => {
                const b = new TextEncoder().encode(col.name);
                footer.varint(BigInt(b.length));
                footer.bytes(b);
              });
              md.i32(4, CODEC_UNCOMPRESSED);
              md.i64(5, group.rows);
              md.i64(6, chunk.size);
              md.i64(7, chunk.size);
              md.i64(9, chunk.offset);
            });
          }),
        );
        rg.i64(2, group.chunks.reduce((a, c) => a + c.size, 0));
        rg.i64(3, group.rows);
      }),
    );
    m.string(6, 'lantern test writer');
  });
  const f = footer.toArray();
  file.bytes(f);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, f.length, true);
  file.bytes(len);
  file.bytes(new TextEncoder().encode('PAR1'));
  return file.toArray();
}
