// The `.astb` container: a versioned, checksummed binary file holding one Module.
//
//   "ASTB"  u16 major  u16 minor  u32 section-count
//   sections: u32 id  u32 byte-length  payload      (little endian throughout)
//   u32 CRC-32 of every byte before it
//
// Sections: META (source name, entry, main kind), NUMBERS, STRINGS, SHAPES, GLOBALS,
// FUNCTIONS (arity, locals, max stack, local kinds, return kind, code, line table), SOURCE (the
// program text, for stack traces and `asthra disasm`), and EXTERNS (the C functions the program
// calls: name, library, symbol, C type codes, blocking flag, declaration line) and CALLBACKS
// (the Asthra functions passed to C as function pointers, with their C signatures): each only
// in files that have some; so is CLOSURES (format 2.1: the closure shapes, each with the
// function its values run, bytecode/module.ts ShapeProto.fn). FIELDS (format 2.2) gives the
// declared value type of every field of every shape. TYPES (format 2.0) gives the declared value type of every function's
// locals and result and of every global (vtypes.ts), which the verifier assumes of parameters,
// call results and globals. FILES (only in a program of several files) holds the name and text
// of each imported module: line k * 2^20 + n of a line table is line n of file k (module.ts
// sourceAt). The reader checks every length against
// the bytes it has and reports the section and file offset of anything wrong; the verifier
// (verify.ts) then checks the code itself.
import type { CallbackProto, ExternProto, FnProto, GlobalProto, MainKind, Module, ShapeProto } from './module';

export const MAGIC = 'ASTB';
export const VERSION_MAJOR = 2;
/**
 * 2.1: the CLOSURES section (closure shapes) and the FILES section of programs made of several
 * files; 2.2: the FIELDS section (every shape's field types), which a file older than 2.2 lacks
 * (so it cannot be verified: this VM asks for it to be recompiled); 2.3: NEW_SLICE and CHAN_NEW
 * name their element type (a string constant) where they named a kind; 2.4: []u8 slices are made by
 * NEW_BYTES and REPEAT_BYTES (one byte per element), and BYTES_IN pushes the slice BYTES_OUT takes
 * as well as the address
 */
export const VERSION_MINOR = 4;
/** The oldest minor version this VM reads: the first whose slices and buffers are made as now. */
const TYPED_MINOR = 4;

const enum Section {
  META = 1,
  NUMBERS = 2,
  STRINGS = 3,
  SHAPES = 4,
  GLOBALS = 5,
  FUNCTIONS = 6,
  SOURCE = 7,
  EXTERNS = 8,
  CALLBACKS = 9,
  TYPES = 10,
  CLOSURES = 11,
  FILES = 12,
  FIELDS = 13,
}
const SECTION_NAMES: Record<number, string> = {
  1: 'meta', 2: 'numbers', 3: 'strings', 4: 'shapes', 5: 'globals', 6: 'functions', 7: 'source', 8: 'externs', 9: 'callbacks', 10: 'types', 11: 'closures', 12: 'files', 13: 'fields',
};

export class AstbError extends Error {
  constructor(readonly section: string, readonly offset: number, message: string) {
    super(`${section} section, offset ${offset}: ${message}`);
  }
}

// ---------------------------------------------------------------- CRC-32 (IEEE)
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

// ---------------------------------------------------------------- writing
class Writer {
  private buf = Buffer.alloc(1024);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.len);
    this.len += 1;
  }
  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32LE(v, this.len);
    this.len += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u32(b.length);
    this.bytes(b);
  }
  i32s(a: Int32Array): void {
    this.u32(a.length);
    for (const v of a) this.i32(v);
  }
  done(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export function writeAstb(m: Module): Buffer {
  const sections: [Section, Buffer][] = [];
  const section = (id: Section, fill: (w: Writer) => void): void => {
    const w = new Writer();
    fill(w);
    sections.push([id, w.done()]);
  };
  section(Section.META, (w) => {
    w.str(m.sourceName);
    w.u32(m.entry);
    w.u8(m.mainKind);
  });
  section(Section.NUMBERS, (w) => {
    w.u32(m.numbers.length);
    for (const n of m.numbers) w.f64(n);
  });
  section(Section.STRINGS, (w) => {
    w.u32(m.strings.length);
    for (const s of m.strings) w.str(s);
  });
  section(Section.SHAPES, (w) => {
    w.u32(m.shapes.length);
    for (const s of m.shapes) {
      w.str(s.name);
      w.u32(s.variant);
      w.u32(s.refs.length);
      w.bytes(s.refs);
    }
  });
  section(Section.GLOBALS, (w) => {
    w.u32(m.globals.length);
    for (const g of m.globals) {
      w.str(g.name);
      w.u8(g.kind);
    }
  });
  section(Section.FUNCTIONS, (w) => {
    w.u32(m.functions.length);
    for (const f of m.functions) {
      w.str(f.name);
      w.u32(f.arity);
      w.u32(f.nlocals);
      w.u32(f.maxStack);
      w.bytes(f.localKinds);
      w.u8(f.retKind);
      w.i32s(f.code);
      w.i32s(f.lines);
    }
  });
  section(Section.SOURCE, (w) => w.str(m.source));
  if (m.files && m.files.length > 0) {
    section(Section.FILES, (w) => {
      w.u32(m.files!.length);
      for (const f of m.files!) {
        w.str(f.name);
        w.str(f.source);
      }
    });
  }
  if (m.externs.length > 0) {
    section(Section.EXTERNS, (w) => {
      w.u32(m.externs.length);
      for (const x of m.externs) {
        w.str(x.name);
        w.str(x.lib);
        w.str(x.symbol);
        w.u32(x.params.length);
        w.bytes(x.params);
        w.u8(x.ret);
        w.u8(x.blocking ? 1 : 0);
        w.u32(x.line);
        w.u32(x.col);
      }
    });
  }
  if (m.callbacks.length > 0) {
    section(Section.CALLBACKS, (w) => {
      w.u32(m.callbacks.length);
      for (const c of m.callbacks) {
        w.u32(c.fn);
        w.u32(c.params.length);
        w.bytes(c.params);
        w.u8(c.ret);
      }
    });
  }
  section(Section.TYPES, (w) => {
    w.u32(m.functions.length);
    for (const f of m.functions) {
      w.u32(f.nlocals);
      for (let i = 0; i < f.nlocals; i++) w.str(f.localTypes?.[i] ?? (f.localKinds[i] ? 'r' : 'n'));
      w.str(f.retType ?? (f.retKind ? 'r' : 'n'));
    }
    w.u32(m.globals.length);
    for (const g of m.globals) w.str(g.type ?? (g.kind ? 'r' : 'n'));
  });
  const closures = m.shapes.flatMap((s, i) => (s.fn === undefined ? [] : [[i, s.fn]]));
  if (closures.length > 0) {
    section(Section.CLOSURES, (w) => {
      w.u32(closures.length);
      for (const [shape, fn] of closures) {
        w.u32(shape);
        w.u32(fn);
      }
    });
  }
  section(Section.FIELDS, (w) => {
    w.u32(m.shapes.length);
    for (const s of m.shapes) {
      w.u32(s.refs.length);
      for (let i = 0; i < s.refs.length; i++) w.str(s.fields?.[i] ?? (s.refs[i] ? 'r' : 'n'));
    }
  });
  const out = new Writer();
  out.bytes(Buffer.from(MAGIC, 'latin1'));
  out.u16(VERSION_MAJOR);
  out.u16(VERSION_MINOR);
  out.u32(sections.length);
  for (const [id, body] of sections) {
    out.u32(id);
    out.u32(body.length);
    out.bytes(body);
  }
  const body = out.done();
  out.u32(crc32(body));
  return out.done();
}

// ---------------------------------------------------------------- reading
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  pos: number;
  constructor(readonly buf: Buffer, readonly section: string, readonly start: number, readonly end: number) {
    this.pos = start;
  }
  fail(msg: string): never {
    throw new AstbError(this.section, this.pos, msg);
  }
  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) this.fail(`truncated: ${what} needs ${n} bytes, ${this.end - this.pos} left`);
  }
  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.buf.readUInt8(this.pos++);
  }
  u32(what = 'a u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  count(what: string, unit: number): number {
    const n = this.u32(`${what} count`);
    if (n * unit > this.end - this.pos) this.fail(`${what} count ${n} is larger than the section`);
    return n;
  }
  i32(): number {
    this.need(4, 'an i32');
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8, 'an f64');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = Uint8Array.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }
  str(what = 'a string'): string {
    const n = this.u32(`${what} length`);
    this.need(n, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  /** A string-pool entry: well-formed UTF-8 without NUL bytes (what the compiler writes). */
  text(what: string): string {
    const start = this.pos;
    const n = this.u32(`${what} length`);
    const bytes = this.bytes(n, what);
    let s: string;
    try {
      s = UTF8.decode(bytes);
    } catch {
      this.pos = start;
      this.fail(`${what} is not valid UTF-8: the file is corrupt, recompile it from its source`);
    }
    if (s.includes('\0')) {
      this.pos = start;
      this.fail(`${what} holds a NUL byte, which no compiled string can: the file is corrupt, recompile it from its source`);
    }
    return s;
  }
  i32s(what: string): Int32Array {
    const n = this.count(what, 4);
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.i32();
    return a;
  }
  kinds(n: number, what: string): Uint8Array {
    const b = this.bytes(n, what);
    if (b.some((k) => k > 1)) this.fail(`${what}: kind must be 0 or 1`);
    return b;
  }
  done(): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} unexpected trailing bytes`);
  }
}

export function readAstb(buf: Buffer): Module {
  const head = new Reader(buf, 'header', 0, buf.length);
  if (buf.length < 16) head.fail(`file is too short (${buf.length} bytes) to be an .astb file`);
  if (buf.toString('latin1', 0, 4) !== MAGIC) head.fail('not an .astb file (bad magic number)');
  const stored = buf.readUInt32LE(buf.length - 4);
  const actual = crc32(buf.subarray(0, buf.length - 4));
  if (stored !== actual) {
    throw new AstbError('trailer', buf.length - 4, `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is corrupt or truncated`);
  }
  head.pos = 4;
  const major = head.buf.readUInt16LE(4);
  const minor = head.buf.readUInt16LE(6);
  if (major !== VERSION_MAJOR) head.fail(`format version ${major}.${minor} is not supported (this VM reads ${VERSION_MAJOR}.x)`);
  if (minor < TYPED_MINOR) head.fail(`format version ${major}.${minor} is older than this VM reads (${VERSION_MAJOR}.${TYPED_MINOR} and later, whose files carry the types it verifies): recompile the file from its source`);
  head.pos = 8;
  const nsec = head.u32('section count');
  const bodies = new Map<number, Reader>();
  const limit = buf.length - 4;
  for (let i = 0; i < nsec; i++) {
    const r = new Reader(buf, 'header', head.pos, limit);
    const id = r.u32('section id');
    const len = r.u32('section length');
    const name = SECTION_NAMES[id];
    if (!name) r.fail(`unknown section id ${id}`);
    if (r.pos + len > limit) r.fail(`${name} section length ${len} runs past the end of the file`);
    if (bodies.has(id)) r.fail(`duplicate ${name} section`);
    bodies.set(id, new Reader(buf, name, r.pos, r.pos + len));
    head.pos = r.pos + len;
  }
  if (head.pos !== limit) head.fail(`${limit - head.pos} bytes after the last section`);
  const sec = (id: Section): Reader => {
    const r = bodies.get(id);
    if (!r) throw new AstbError(SECTION_NAMES[id], 0, 'section is missing');
    return r;
  };

  let r = sec(Section.META);
  const sourceName = r.str('source name');
  const entry = r.u32('entry');
  const mainKind = r.u8('main kind');
  if (mainKind > 2) r.fail(`main kind ${mainKind} is not 0, 1 or 2`);
  r.done();

  r = sec(Section.NUMBERS);
  const numbers: number[] = [];
  for (let i = 0, n = r.count('number', 8); i < n; i++) numbers.push(r.f64());
  r.done();

  r = sec(Section.STRINGS);
  const strings: string[] = [];
  for (let i = 0, n = r.count('string', 4); i < n; i++) strings.push(r.text(`string ${i}`));
  r.done();

  r = sec(Section.SHAPES);
  const shapes: ShapeProto[] = [];
  for (let i = 0, n = r.count('shape', 12); i < n; i++) {
    const name = r.str('shape name');
    const variant = r.u32('variant');
    const nf = r.count('field', 1);
    shapes.push({ name, variant, refs: r.kinds(nf, 'field kinds') });
  }
  r.done();

  r = sec(Section.GLOBALS);
  const globals: GlobalProto[] = [];
  for (let i = 0, n = r.count('global', 5); i < n; i++) {
    const name = r.str('global name');
    const kind = r.u8('global kind');
    if (kind > 1) r.fail(`global '${name}' has kind ${kind}`);
    globals.push({ name, kind });
  }
  r.done();

  r = sec(Section.FUNCTIONS);
  const functions: FnProto[] = [];
  for (let i = 0, n = r.count('function', 24); i < n; i++) {
    const name = r.str('function name');
    const arity = r.u32('arity');
    const nlocals = r.u32('local count');
    const maxStack = r.u32('max stack');
    if (nlocals > 1 << 16 || maxStack > 1 << 16) r.fail(`function '${name}' declares ${nlocals} locals and ${maxStack} stack slots (limit 65536)`);
    const localKinds = r.kinds(nlocals, 'local kinds');
    const retKind = r.u8('return kind');
    if (retKind > 1) r.fail(`function '${name}' has return kind ${retKind}`);
    const code = r.i32s('code word');
    const lines = r.i32s('line table word');
    if (lines.length % 3 !== 0) r.fail(`function '${name}' line table length ${lines.length} is not a multiple of 3`);
    functions.push({ name, arity, nlocals, maxStack, localKinds, retKind, code, lines });
  }
  r.done();

  r = sec(Section.SOURCE);
  const source = r.str('source text');
  r.done();

  const externs: ExternProto[] = [];
  const xr = bodies.get(Section.EXTERNS);
  if (xr !== undefined) {
    for (let i = 0, n = xr.count('extern', 22); i < n; i++) {
      const name = xr.str('extern name');
      const lib = xr.str('extern library');
      const symbol = xr.str('extern symbol');
      const params = xr.bytes(xr.count('extern parameter', 1), 'extern parameter types');
      const ret = xr.u8('extern result type');
      const flag = xr.u8('extern blocking flag');
      if (flag > 1) xr.fail(`extern '${name}' has blocking flag ${flag}`);
      const line = xr.u32('extern line');
      const col = xr.u32('extern column');
      externs.push({ name, lib, symbol, params, ret, blocking: flag === 1, line, col });
    }
    xr.done();
  }

  const callbacks: CallbackProto[] = [];
  const clr = bodies.get(Section.CLOSURES);
  if (clr !== undefined) {
    for (let i = 0, n = clr.count('closure shape', 8); i < n; i++) {
      const shape = clr.u32('closure shape');
      const fn = clr.u32('closure function');
      if (shape >= shapes.length) clr.fail(`closure shape ${shape} does not exist (${shapes.length} shapes)`);
      if (shapes[shape].fn !== undefined) clr.fail(`shape ${shape} is listed twice`);
      shapes[shape].fn = fn;
    }
    clr.done();
  }
  const cr = bodies.get(Section.CALLBACKS);
  if (cr !== undefined) {
    for (let i = 0, n = cr.count('callback', 9); i < n; i++) {
      const fn = cr.u32('callback function');
      const params = cr.bytes(cr.count('callback parameter', 1), 'callback parameter types');
      const ret = cr.u8('callback result type');
      callbacks.push({ fn, params, ret });
    }
    cr.done();
  }

  r = sec(Section.TYPES);
  if (r.count('typed function', 8) !== functions.length) r.fail(`types for a different number of functions than the functions section's ${functions.length}`);
  for (const f of functions) {
    if (r.u32('typed local count') !== f.nlocals) r.fail(`types for a different number of locals than function '${f.name}' has (${f.nlocals})`);
    f.localTypes = [];
    for (let i = 0; i < f.nlocals; i++) f.localTypes.push(r.text(`type of local ${i} of '${f.name}'`));
    f.retType = r.text(`result type of '${f.name}'`);
  }
  if (r.count('typed global', 4) !== globals.length) r.fail(`types for a different number of globals than the globals section's ${globals.length}`);
  for (const g of globals) g.type = r.text(`type of global '${g.name}'`);
  r.done();

  r = sec(Section.FIELDS);
  if (r.count('typed shape', 4) !== shapes.length) r.fail(`types for a different number of shapes than the shapes section's ${shapes.length}`);
  for (const [i, s] of shapes.entries()) {
    if (r.u32('typed field count') !== s.refs.length) r.fail(`types for a different number of fields than shape ${i} ('${s.name}') has (${s.refs.length})`);
    s.fields = [];
    for (let j = 0; j < s.refs.length; j++) s.fields.push(r.text(`type of field ${j} of shape ${i}`));
  }
  r.done();

  let files: { name: string; source: string }[] | undefined;
  const fr = bodies.get(Section.FILES);
  if (fr !== undefined) {
    files = [];
    for (let i = 0, n = fr.count('file', 8); i < n; i++) files.push({ name: fr.str('file name'), source: fr.str('file source') });
    fr.done();
  }

  const m: Module = { sourceName, source, numbers, strings, shapes, globals, functions, externs, callbacks, entry, mainKind: mainKind as MainKind };
  if (files) m.files = files;
  return m;
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
