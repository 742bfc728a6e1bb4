// Unit tests for the .astb container (src/bytecode/astb.ts): writeAstb/readAstb round trips for
// every spec program that compiles, and a reader that turns every kind of damage into an
// AstbError naming the section and the file offset, never into anything else.
'use strict';
const { listPrograms } = require('./spec-annotations');
const { expect } = require('chai');
const fs = require('fs');
const path = require('path');
const { compile } = require('../dist/compiler/compile');
const { CompileError } = require('../dist/compiler/diagnostics');
const { readAstb, writeAstb, crc32, AstbError, MAGIC, VERSION_MAJOR, VERSION_MINOR } = require('../dist/bytecode/astb');
const { verifyModule, VerifyError } = require('../dist/bytecode/verify');

const ROOT = path.join(__dirname, '..');
const SPEC = path.join(ROOT, 'spec-tests');
const REAL = path.join(SPEC, 'programs', 'inventory.asthra');

const MODULE_FIELDS = ['sourceName', 'source', 'numbers', 'strings', 'shapes', 'globals', 'functions', 'externs', 'callbacks', 'entry', 'mainKind'];
const EXTERN_FIELDS = ['name', 'lib', 'symbol', 'params', 'ret', 'blocking', 'line', 'col'];
const FN_FIELDS = ['name', 'arity', 'nlocals', 'maxStack', 'localKinds', 'retKind', 'localTypes', 'retType', 'code', 'lines'];
/** A kind's type when a hand-made module declares none (what writeAstb writes for it). */
const kindType = (k) => (k ? 'r' : 'n');


/** Compare two modules field by field (typed arrays element by element), with a path in every message. */
function expectSameModule(got, want) {
  // a program of several files also has its imported files (the files section)
  const fields = want.files ? [...MODULE_FIELDS, 'files'] : MODULE_FIELDS;
  expect(Object.keys(got).sort(), 'module fields').to.deep.equal([...fields].sort());
  expect(got.files, 'files').to.deep.equal(want.files);
  expect(got.sourceName, 'sourceName').to.equal(want.sourceName);
  expect(got.source, 'source').to.equal(want.source);
  expect(got.entry, 'entry').to.equal(want.entry);
  expect(got.mainKind, 'mainKind').to.equal(want.mainKind);
  expect(got.numbers, 'numbers').to.have.lengthOf(want.numbers.length);
  want.numbers.forEach((n, i) => expect(Object.is(got.numbers[i], n), `numbers[${i}]: ${got.numbers[i]} vs ${n}`).to.equal(true));
  expect(got.strings, 'strings').to.deep.equal(want.strings);
  expect(got.shapes, 'shapes').to.have.lengthOf(want.shapes.length);
  want.shapes.forEach((s, i) => {
    expect(got.shapes[i].name, `shapes[${i}].name`).to.equal(s.name);
    expect(got.shapes[i].variant, `shapes[${i}].variant`).to.equal(s.variant);
    expect(got.shapes[i].refs, `shapes[${i}].refs`).to.be.instanceOf(Uint8Array);
    expect(Array.from(got.shapes[i].refs), `shapes[${i}].refs`).to.deep.equal(Array.from(s.refs));
    expect(got.shapes[i].fields, `shapes[${i}].fields`).to.deep.equal(s.fields ?? Array.from(s.refs, kindType));
  });
  expect(got.globals, 'globals').to.deep.equal(want.globals.map((g) => ({ name: g.name, kind: g.kind, type: g.type ?? kindType(g.kind) })));
  expect(got.externs, 'externs').to.have.lengthOf(want.externs.length);
  expect(got.callbacks.map((c) => [c.fn, [...c.params], c.ret]), 'callbacks').to.deep.equal(want.callbacks.map((c) => [c.fn, [...c.params], c.ret]));
  want.externs.forEach((x, i) => {
    expect(Object.keys(got.externs[i]).sort(), `externs[${i}] fields`).to.deep.equal([...EXTERN_FIELDS].sort());
    for (const k of EXTERN_FIELDS) {
      const a = got.externs[i][k];
      expect(a instanceof Uint8Array ? Array.from(a) : a, `externs[${i}].${k}`).to.deep.equal(x[k] instanceof Uint8Array ? Array.from(x[k]) : x[k]);
    }
  });
  expect(got.functions, 'functions').to.have.lengthOf(want.functions.length);
  want.functions.forEach((f, i) => {
    const g = got.functions[i];
    const at = `functions[${i}] (${f.name})`;
    expect(Object.keys(g).sort(), `${at} fields`).to.deep.equal([...FN_FIELDS].sort());
    for (const k of ['name', 'arity', 'nlocals', 'maxStack', 'retKind']) expect(g[k], `${at}.${k}`).to.equal(f[k]);
    expect(g.localKinds, `${at}.localKinds`).to.be.instanceOf(Uint8Array);
    expect(g.code, `${at}.code`).to.be.instanceOf(Int32Array);
    expect(g.lines, `${at}.lines`).to.be.instanceOf(Int32Array);
    for (const k of ['localKinds', 'code', 'lines']) expect(Array.from(g[k]), `${at}.${k}`).to.deep.equal(Array.from(f[k]));
    expect(g.localTypes, `${at}.localTypes`).to.deep.equal(f.localTypes ?? Array.from(f.localKinds, kindType));
    expect(g.retType, `${at}.retType`).to.equal(f.retType ?? kindType(f.retKind));
  });
}

/** The AstbError thrown by readAstb(buf) (fails the test if it throws anything else or nothing). */
function astbError(buf, what = '') {
  let err;
  try {
    readAstb(buf);
  } catch (e) {
    err = e;
  }
  expect(err, `readAstb should throw ${what}`).to.exist;
  if (!(err instanceof AstbError)) throw new Error(`expected an AstbError ${what}, got ${err && err.stack}`);
  expect(err.message, what).to.match(/^[a-z]+ section, offset \d+: /);
  expect(err.message.startsWith(`${err.section} section, offset ${err.offset}: `), err.message).to.equal(true);
  return err;
}

/** A copy of buf with a fresh CRC-32 in its last four bytes. */
function reseal(buf) {
  const b = Buffer.from(buf);
  b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)), b.length - 4);
  return b;
}

/** The section table of a well-formed file: [{ id, at (header offset), body, len }]. */
function sections(buf) {
  const n = buf.readUInt32LE(8);
  const out = [];
  let at = 12;
  for (let i = 0; i < n; i++) {
    const id = buf.readUInt32LE(at);
    const len = buf.readUInt32LE(at + 4);
    out.push({ id, at, body: at + 8, len });
    at += 8 + len;
  }
  expect(at, 'sections end at the trailer').to.equal(buf.length - 4);
  return out;
}

const SEC = { meta: 1, numbers: 2, strings: 3, shapes: 4, globals: 5, functions: 6, source: 7, externs: 8, types: 10, fields: 13 };

describe('.astb files', () => {
  describe('crc32', () => {
    it('computes the standard CRC-32 (IEEE) check value', () => {
      expect(crc32(Buffer.from('123456789', 'latin1'))).to.equal(0xcbf43926);
      expect(crc32(new Uint8Array(0))).to.equal(0);
      expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).to.equal(0x414fa339);
    });
  });

  describe('round trip of every spec program that compiles', () => {
    const compiled = [];
    for (const file of listPrograms(SPEC)) {
      try {
        compiled.push({ file, m: compile(fs.readFileSync(file, 'utf8'), path.relative(ROOT, file)) });
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
      }
    }

    it('has a real set of programs to test (most spec programs compile)', () => {
      expect(compiled.length).to.be.greaterThan(150);
    });

    for (const { file, m } of compiled) {
      it(path.relative(SPEC, file), () => {
        const bytes = writeAstb(m);
        expect(bytes.toString('latin1', 0, 4)).to.equal(MAGIC);
        const back = readAstb(bytes);
        expectSameModule(back, m);
        expect(() => verifyModule(back)).to.not.throw();
        // writing what was read gives the same bytes
        expect(Buffer.compare(writeAstb(back), bytes)).to.equal(0);
      });
    }
  });

  describe('round trip of unusual values', () => {
    it('keeps -0, NaN, infinities, subnormals, empty and non-ASCII strings and names (a NUL only outside the string pool)', () => {
      const m = {
        sourceName: 'dir/ünï.asthra',
        source: 'fn main() { "😀" }\n\0end',
        numbers: [-0, 0, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308, 2 ** 53 + 2, -123.456],
        strings: ['', 'é', '😀 emoji', 'line\nbreak', 'x'.repeat(70000)],
        shapes: [
          { name: 'Empty', variant: 0, refs: new Uint8Array([]) },
          { name: 'Option', variant: 1, refs: new Uint8Array([1, 0, 1]) },
        ],
        globals: [{ name: 'g0', kind: 0 }, { name: 'gé', kind: 1 }],
        functions: [
          {
            name: '<init>', arity: 0, nlocals: 2, maxStack: 1, localKinds: new Uint8Array([0, 1]), retKind: 0,
            code: new Int32Array([0, -2147483648, 50]), lines: new Int32Array([0, 1, 1, 2, 2147483647, 9]),
          },
        ],
        externs: [
          { name: 'cé', lib: 'lib/ünï.so', symbol: 'c_sym', params: new Uint8Array([0 + 1, 14, 15, 13]), ret: 14, blocking: true, line: 7, col: 2 },
          { name: 'n', lib: '', symbol: 'n', params: new Uint8Array([]), ret: 0, blocking: false, line: 2147483647, col: 1 },
        ],
        callbacks: [{ fn: 0, params: new Uint8Array([6, 15, 11]), ret: 0 }],
        entry: 0,
        mainKind: 2,
      };
      const back = readAstb(writeAstb(m));
      expectSameModule(back, m);
      expect(Object.is(back.numbers[0], -0)).to.equal(true);
      expect(Number.isNaN(back.numbers[2])).to.equal(true);
    });

    it('round trips an empty module', () => {
      const m = { sourceName: '', source: '', numbers: [], strings: [], shapes: [], globals: [], functions: [], externs: [], callbacks: [], entry: 0, mainKind: 0 };
      expectSameModule(readAstb(writeAstb(m)), m);
    });

    it('writes no externs section for a program without externs (the 1.0 layout)', () => {
      const m = compile(fs.readFileSync(REAL, 'utf8'), 'inventory.asthra');
      expect(sections(writeAstb(m)).map((s) => s.id)).to.not.include(SEC.externs);
    });

    it('reads a file that sits inside a larger buffer (non-zero byteOffset)', () => {
      const m = compile(fs.readFileSync(REAL, 'utf8'), 'inventory.asthra');
      const bytes = writeAstb(m);
      const big = Buffer.alloc(bytes.length + 64, 0xee);
      bytes.copy(big, 32);
      expectSameModule(readAstb(big.subarray(32, 32 + bytes.length)), m);
    });

    it('accepts a newer minor version of the same major version', () => {
      const bytes = Buffer.from(writeAstb(compile(fs.readFileSync(REAL, 'utf8'), 'inventory.asthra')));
      bytes.writeUInt16LE(VERSION_MINOR + 7, 6);
      expect(() => readAstb(reseal(bytes))).to.not.throw();
    });
  });

  describe('corruption', () => {
    let m;
    let good;
    before(() => {
      m = compile(fs.readFileSync(REAL, 'utf8'), 'spec-tests/programs/inventory.asthra');
      good = writeAstb(m);
    });

    it('writes the header described in astb.ts', () => {
      expect(good.toString('latin1', 0, 4)).to.equal('ASTB');
      expect(good.readUInt16LE(4)).to.equal(VERSION_MAJOR);
      expect(good.readUInt16LE(6)).to.equal(VERSION_MINOR);
      expect(sections(good).map((s) => s.id)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 10, 13]);
      expect(good.readUInt32LE(good.length - 4)).to.equal(crc32(good.subarray(0, good.length - 4)));
    });

    it('rejects a flipped byte at every position with an AstbError (checksum, or magic for the first 4 bytes)', () => {
      expect(good.length).to.be.greaterThan(1000);
      for (let i = 0; i < good.length; i++) {
        const bad = Buffer.from(good);
        bad[i] ^= 0xff;
        const err = astbError(bad, `(byte ${i} flipped)`);
        if (i < 4) {
          expect(err.message, `byte ${i}`).to.include('bad magic');
        } else {
          expect(err.section, `byte ${i}`).to.equal('trailer');
          expect(err.offset, `byte ${i}`).to.equal(good.length - 4);
          expect(err.message, `byte ${i}`).to.include('checksum mismatch');
        }
      }
    });

    it('rejects a single flipped bit anywhere in the body', () => {
      for (let i = 4; i < good.length; i += 7) {
        const bad = Buffer.from(good);
        bad[i] ^= 1 << (i % 8);
        expect(astbError(bad, `(bit flip at ${i})`).message).to.include('checksum');
      }
    });

    it('with the checksum recomputed, damage anywhere before the source text gives an AstbError, a VerifyError or a valid module, never a crash', () => {
      const src = sections(good).find((s) => s.id === SEC.source);
      const mutations = [(v) => v ^ 0xff, (v) => (v + 1) & 0xff, () => 0, () => 0x80];
      let tried = 0;
      const outcomes = { astb: 0, verify: 0, ok: 0 };
      for (let i = 4; i < src.body; i += 2) {
        for (const mutate of mutations) {
          const bad = Buffer.from(good);
          bad[i] = mutate(bad[i]);
          if (bad[i] === good[i]) continue;
          tried++;
          let back;
          try {
            back = readAstb(reseal(bad));
          } catch (e) {
            if (!(e instanceof AstbError)) throw new Error(`byte ${i} -> ${bad[i]}: readAstb threw ${e && e.stack}`);
            outcomes.astb++;
            continue;
          }
          try {
            verifyModule(back);
            outcomes.ok++;
          } catch (e) {
            if (!(e instanceof VerifyError)) throw new Error(`byte ${i} -> ${bad[i]}: verifyModule threw ${e && e.stack}`);
            outcomes.verify++;
          }
        }
      }
      expect(tried).to.be.greaterThan(1000);
      expect(outcomes.astb, JSON.stringify(outcomes)).to.be.greaterThan(0);
      expect(outcomes.verify, JSON.stringify(outcomes)).to.be.greaterThan(0);
    });

    it('rejects a file truncated at any of several lengths', () => {
      const lengths = [0, 1, 3, 4, 8, 15, 16, 17, 20, 64, Math.floor(good.length / 2), good.length - 5, good.length - 4, good.length - 1];
      for (const n of lengths) {
        const err = astbError(good.subarray(0, n), `(truncated to ${n} bytes)`);
        if (n < 16) expect(err.message, `${n} bytes`).to.include('too short');
        else expect(err.message, `${n} bytes`).to.include('checksum');
      }
    });

    it('rejects bytes appended after the trailer', () => {
      astbError(Buffer.concat([good, Buffer.from([0])]), '(one extra byte)');
    });

    it('rejects bad magic even with a valid checksum, at offset 0 of the header', () => {
      const bad = Buffer.from(good);
      bad.write('ASTX', 0, 'latin1');
      const err = astbError(reseal(bad));
      expect(err.section).to.equal('header');
      expect(err.offset).to.equal(0);
      expect(err.message).to.match(/^header section, offset 0: .*magic/);
    });

    it('rejects a text file with an .astb name', () => {
      const err = astbError(Buffer.from('pub fn main() -> void {\n    println("hi");\n}\n'));
      expect(err.message).to.include('magic');
    });

    it('rejects an unsupported major version (checksum recomputed so the version check is reached)', () => {
      const bad = Buffer.from(good);
      bad.writeUInt16LE(VERSION_MAJOR + 1, 4);
      const err = astbError(reseal(bad));
      expect(err.section).to.equal('header');
      expect(err.offset).to.be.within(4, 8);
      expect(err.message).to.include(`version ${VERSION_MAJOR + 1}.${VERSION_MINOR}`);
      expect(err.message).to.include('not supported');
    });

    const OLD_FORMATS = { 1: 'shapes without field types', 2: 'slices and channels made with a kind, not a type', 3: 'a []u8 made of 8-byte slots, BYTES_IN pushing only an address' };
    for (const minor of [1, 2, 3]) {
      it(`rejects a file of format 2.${minor} (${OLD_FORMATS[minor]}), asking for a recompile`, () => {
        const bad = Buffer.from(good);
        bad.writeUInt16LE(minor, 6);
        const err = astbError(reseal(bad));
        expect(err.section).to.equal('header');
        expect(err.message).to.equal(`header section, offset 4: format version 2.${minor} is older than this VM reads (2.4 and later, whose files carry the types it verifies): recompile the file from its source`);
      });
    }

    it('keeps every shape\'s field types, and needs the fields section', () => {
      const back = readAstb(good);
      const pair = back.shapes.find((s) => s.refs.length > 0);
      expect(pair.fields).to.have.lengthOf(pair.refs.length);
      expect(back.shapes.map((s) => s.fields)).to.deep.equal(m.shapes.map((s) => s.fields));
      const secs = sections(good);
      const fields = secs.find((s) => s.id === SEC.fields);
      // drop the section: the count in the header and the bytes
      const without = Buffer.concat([good.subarray(0, fields.at), good.subarray(fields.body + fields.len)]);
      without.writeUInt32LE(secs.length - 1, 8);
      const err = astbError(reseal(without));
      expect(err.message).to.match(/^fields section, offset 0: section is missing/);
    });

    it('rejects a section whose length runs past the end of the file', () => {
      const bad = Buffer.from(good);
      const meta = sections(good)[0];
      bad.writeUInt32LE(0x7fffffff, meta.at + 4);
      const err = astbError(reseal(bad));
      expect(err.section).to.equal('header');
      expect(err.offset).to.be.within(meta.at, meta.body);
      expect(err.message).to.match(/^header section, offset \d+: meta section length 2147483647 runs past the end/);
    });

    it('rejects the last section (fields) whose length runs past the end', () => {
      const bad = Buffer.from(good);
      const last = sections(good).find((s) => s.id === SEC.fields);
      bad.writeUInt32LE(last.len + 1, last.at + 4);
      const err = astbError(reseal(bad));
      expect(err.offset).to.be.within(last.at, last.body);
      expect(err.message).to.include('fields section length');
      expect(err.message).to.include('runs past the end');
    });

    it('rejects an unknown section id (checksum recomputed), naming the id and its offset', () => {
      const bad = Buffer.from(good);
      const strings = sections(good).find((s) => s.id === SEC.strings);
      bad.writeUInt32LE(42, strings.at);
      const err = astbError(reseal(bad));
      expect(err.section).to.equal('header');
      expect(err.offset).to.be.within(strings.at, strings.body);
      expect(err.message).to.match(/^header section, offset \d+: unknown section id 42/);
    });

    it('rejects a duplicate section', () => {
      const bad = Buffer.from(good);
      const src = sections(good).find((s) => s.id === SEC.source);
      bad.writeUInt32LE(SEC.functions, src.at);
      expect(astbError(reseal(bad)).message).to.include('duplicate functions section');
    });

    it('rejects a missing section, naming it (the types and fields sections too: a 2.2 file always has both)', () => {
      const secs = sections(good);
      for (const name of ['source', 'types', 'fields']) {
        const cut = secs.find((s) => s.id === SEC[name]);
        const head = Buffer.from(good.subarray(0, 12));
        head.writeUInt32LE(secs.length - 1, 8);
        const kept = [good.subarray(12, cut.at), good.subarray(cut.body + cut.len, good.length - 4)];
        const bad = reseal(Buffer.concat([head, ...kept, Buffer.alloc(4)]));
        const err = astbError(bad);
        expect(err.section, name).to.equal(name);
        expect(err.message).to.include('missing');
      }
    });

    it('rejects a types section that types a different number of locals than a function has', () => {
      const bad = Buffer.from(good);
      const types = sections(good).find((s) => s.id === SEC.types);
      bad.writeUInt32LE(m.functions[0].nlocals + 1, types.body + 4); // after the function count
      const err = astbError(reseal(bad));
      expect(err.section).to.equal('types');
      expect(err.message).to.match(/types for a different number of locals than function '.*' has/);
    });

    it('rejects a count inside a section that is larger than the section, naming that section and offset', () => {
      const bad = Buffer.from(good);
      const strings = sections(good).find((s) => s.id === SEC.strings);
      bad.writeUInt32LE(1000000, strings.body);
      const err = astbError(reseal(bad));
      expect(err.section).to.equal('strings');
      expect(err.offset).to.be.within(strings.body, strings.body + strings.len);
      expect(err.message).to.match(/^strings section, offset \d+: string count 1000000 is larger than the section/);
    });

    it('rejects a bad main kind in the meta section', () => {
      const bad = Buffer.from(good);
      const meta = sections(good)[0];
      bad[meta.body + meta.len - 1] = 9; // main kind is the last byte of meta
      const err = astbError(reseal(bad));
      expect(err.section).to.equal('meta');
      expect(err.message).to.include('main kind 9');
    });

    it('rejects a blocking flag other than 0 or 1 in the externs section, naming the extern', () => {
      const m = {
        sourceName: 't', source: '', numbers: [], strings: [], shapes: [], globals: [], entry: 0, mainKind: 0, functions: [], callbacks: [],
        externs: [{ name: 'f', lib: '', symbol: 'f', params: new Uint8Array([6]), ret: 6, blocking: true, line: 1, col: 1 }],
      };
      const bytes = writeAstb(m);
      const sec = sections(bytes).find((s) => s.id === SEC.externs);
      // count(4) then name "f", lib "", symbol "f" (4+1, 4, 4+1), params (4+1), ret (1): the flag
      const flagAt = sec.body + 4 + 5 + 4 + 5 + 5 + 1;
      expect(bytes[flagAt]).to.equal(1);
      const bad = Buffer.from(bytes);
      bad[flagAt] = 3;
      const err = astbError(reseal(bad));
      expect(err.section).to.equal('externs');
      expect(err.message).to.include("extern 'f' has blocking flag 3");
    });

    it('rejects a local kind other than 0 or 1 in the functions section', () => {
      // a one-function module whose only local is at a known offset
      const tiny = {
        sourceName: 't', source: '', numbers: [], strings: [], shapes: [], globals: [], externs: [], callbacks: [], entry: 0, mainKind: 0,
        functions: [{ name: 'f', arity: 0, nlocals: 1, maxStack: 1, localKinds: new Uint8Array([1]), retKind: 0, code: new Int32Array([0, 0, 50]), lines: new Int32Array(0) }],
      };
      const bytes = writeAstb(tiny);
      const fnSec = sections(bytes).find((s) => s.id === SEC.functions);
      // count(4) name-len(4) "f"(1) arity(4) nlocals(4) maxStack(4) -> local kinds
      const kindAt = fnSec.body + 4 + 4 + 1 + 4 + 4 + 4;
      expect(bytes[kindAt]).to.equal(1);
      const bad = Buffer.from(bytes);
      bad[kindAt] = 2;
      const err = astbError(reseal(bad));
      expect(err.section).to.equal('functions');
      expect(err.message).to.include('kind must be 0 or 1');
    });

    it('rejects trailing bytes inside a section', () => {
      // rewrite the file with one padding byte after the globals payload (length grown to match)
      const globals = sections(good).find((s) => s.id === SEC.globals);
      const gHead = Buffer.alloc(8);
      gHead.writeUInt32LE(SEC.globals, 0);
      gHead.writeUInt32LE(globals.len + 1, 4);
      const out = Buffer.concat([
        good.subarray(0, globals.at), gHead, good.subarray(globals.body, globals.body + globals.len), Buffer.from([0]),
        good.subarray(globals.body + globals.len, good.length - 4), Buffer.alloc(4),
      ]);
      expect(out.length).to.equal(good.length + 1);
      const err = astbError(reseal(out));
      expect(err.section).to.equal('globals');
      expect(err.offset).to.equal(globals.body + globals.len);
      expect(err.message).to.include('1 unexpected trailing bytes');
    });
  });
});
