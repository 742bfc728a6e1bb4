// Hostile input: .astb files damaged on purpose (their checksums recomputed, so the damage reaches
// the loader and the verifier), the string pool's encoding, the compiler's rule against NUL in
// strings, a VM trap for a count no compiler emits, and a short seeded fuzzing round
// (tools/fuzz.js) over the spec programs' bytecode and source.
'use strict';
const { expect } = require('chai');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { compile } = require('../dist/compiler/compile');
const { CompileError } = require('../dist/compiler/diagnostics');
const { readAstb, writeAstb, crc32, AstbError } = require('../dist/bytecode/astb');
const { OPS } = require('../dist/bytecode/opcodes');
const { BUILTINS } = require('../dist/bytecode/builtins');
const { fuzz } = require('../tools/fuzz');

const CLI = path.join(__dirname, '..', 'bin', 'asthra');
const JS_STACK = /\n\s+at .*\.js:\d+/;

function op(name) {
  const i = OPS.findIndex((o) => o.name === name);
  if (i < 0) throw new Error(`no opcode ${name}`);
  return i;
}

/** A one-function module whose entry runs `words` (opcode names resolved). */
function entryModule(words, { strings = [], maxStack = 4, mainKind = 0, retKind = 0 } = {}) {
  const code = Int32Array.from(words.map((w) => (typeof w === 'string' ? op(w) : w)));
  return {
    sourceName: 'hand.astb', source: '', numbers: [], strings, shapes: [], globals: [],
    functions: [{ name: '<init>', arity: 0, nlocals: 0, maxStack, localKinds: new Uint8Array(0), retKind, code, lines: new Int32Array(0) }],
    externs: [], callbacks: [], entry: 0, mainKind,
  };
}

function reseal(buf) {
  const b = Buffer.from(buf);
  b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)), b.length - 4);
  return b;
}

let tmp;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-hostile-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function exec(m, name) {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, Buffer.isBuffer(m) ? m : writeAstb(m));
  const r = spawnSync(process.execPath, [CLI, 'exec', f], { encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  return r;
}

describe('hostile bytecode', () => {
  describe('the string pool', () => {
    const println = BUILTINS.findIndex((b) => b.name === 'println');
    const withString = (s) => entryModule(['CONST_S', 0, 'BUILTIN', println, 1, 'RET'], { strings: [s] });

    it('rejects a NUL byte in a pool string', () => {
      expect(() => readAstb(writeAstb(withString('a\0b')))).to.throw(AstbError, /strings section, offset \d+: string 0 holds a NUL byte.*recompile it from its source/);
    });

    it('rejects invalid UTF-8 in a pool string, and `exec` says so without running anything', () => {
      const good = writeAstb(withString('ZZZZ'));
      const at = good.indexOf(Buffer.from('ZZZZ'));
      for (const bytes of [[0xff, 0x41, 0x41, 0x41], [0xc0, 0x80, 0x41, 0x41], [0xed, 0xa0, 0x80, 0x41], [0x41, 0x41, 0x41, 0xe2]]) {
        const bad = Buffer.from(good);
        Buffer.from(bytes).copy(bad, at);
        expect(() => readAstb(reseal(bad)), bytes.join(',')).to.throw(AstbError, /string 0 is not valid UTF-8: the file is corrupt, recompile it from its source/);
      }
      const bad = Buffer.from(good);
      bad[at] = 0xff;
      const r = exec(reseal(bad), 'badutf8.astb');
      expect(r.status, r.stderr).to.not.equal(0);
      expect(r.status, r.stderr).to.not.equal(70);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(/string 0 is not valid UTF-8/);
      expect(r.stderr).to.not.match(JS_STACK);
    });

    it('still reads every valid UTF-8 string, including 4-byte characters', () => {
      const s = 'héllo, 世界 \u{1F600}';
      expect(readAstb(writeAstb(withString(s))).strings).to.deep.equal([s]);
    });
  });

  describe('the compiler', () => {
    it('rejects a NUL character in a string literal with its file, line and column', () => {
      for (const lit of ['"a\\0b"', '"\\x00"', '"\\u{0}"']) {
        let err;
        try {
          compile(`fn main() -> void {\n    println(${lit});\n}\n`, 'nul.asthra');
        } catch (e) {
          err = e;
        }
        expect(err, lit).to.be.instanceOf(CompileError);
        expect(err.render(), lit).to.match(/^nul\.asthra:2:13: error: a string cannot hold a NUL character/);
        expect(err.render(), lit).to.match(/hint: .*\[\]u8/);
      }
    });

    it('still accepts a NUL char literal', () => {
      expect(() => compile("fn main() -> void {\n    let c: char = '\\0';\n    log(c);\n}\n", 'c.asthra')).to.not.throw();
    });
  });

  describe('the VM', () => {
    it('traps a negative or fractional SLICE_REPEAT count (no compiler emits one) as a runtime error', () => {
      const r = exec(entryModule(['PUSH_I', 7, 'PUSH_I', -3, 'SLICE_REPEAT', 0, 'POP', 'PUSH_I', 0, 'RET']), 'repeat.astb');
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stderr).to.match(/^runtime error: a repeated slice \[v; n\] needs a count of 0 or more, got -3\n/);
      expect(r.stderr).to.not.match(JS_STACK);
    });

    it('makes BYTES_OUT with an address BYTES_IN did not give a runtime error, not a crash', () => {
      const r = exec(entryModule(['PUSH_I', 1, 'NEW_SLICE', 1, 0, 'PUSH_I', 4096, 'BYTES_OUT', 'PUSH_I', 0, 'RET'], { strings: ['n'] }), 'bytesout.astb');
      expect(r.signal, r.stderr).to.equal(null);
      expect(r.status, r.stderr).to.equal(1);
      expect(r.stderr).to.match(/^runtime error: BYTES_OUT: 0x1000 is not a C copy of a slice that BYTES_IN made/);
      expect(r.stderr).to.not.match(JS_STACK);
    });

    it('refuses BYTES_IN on a string (verify error)', () => {
      const r = exec(entryModule(['CONST_S', 0, 'BYTES_IN', 'POP', 'PUSH_I', 0, 'RET'], { strings: ['text'] }), 'bytesin.astb');
      expect(r.stderr).to.match(/BYTES_IN expects a slice of numbers as the buffer, found a string/);
      expect(r.status, r.stderr).to.equal(2);
    });

    it('refuses to run a file whose string is pushed to a slice operation (verify error, exit 2, nothing runs)', () => {
      const r = exec(entryModule(['CONST_S', 0, 'PUSH_I', 65, 'SLICE_PUSH', 0, 'PUSH_I', 0, 'RET'], { strings: ['text'] }), 'push.astb');
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(/SLICE_PUSH expects a slice of numbers as the slice, found a string/);
      expect(r.status, r.stderr).to.not.equal(0);
      expect(r.status, r.stderr).to.not.equal(70);
      expect(r.stderr).to.not.match(JS_STACK);
    });
  });

  describe('field types', () => {
    const PROGRAM = [
      'struct Named { name: string, size: i64 }',
      'enum Pick { Text(string), Many([]i64), Nothing }',
      'fn show(p: Pick) -> string {',
      '    match p {',
      '        Pick.Text(s) => { return s; }',
      '        Pick.Many(xs) => { return "many " + xs[1]; }',
      '        Pick.Nothing => { return "nothing"; }',
      '    }',
      '}',
      'pub fn main(void) -> void {',
      '    let n = Named { name: "field", size: 5 };',
      '    println(n.name);',
      '    println(show(Pick.Text("text")));',
      '    println(show(Pick.Many([1, 2])));',
      '    println(show(Pick.Nothing));',
      '}',
    ].join('\n');

    it('runs a compiled program whose shapes carry field types (a struct and an enum of three payloads)', () => {
      const m = compile(PROGRAM, 'fields.asthra');
      const named = m.shapes.find((x) => x.name === 'Named');
      expect(named.fields).to.deep.equal(['s', 'n']);
      expect(m.shapes.find((x) => x.name === 'Pick.Many').fields).to.deep.equal(['[n']);
      const r = exec(m, 'fields.astb');
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.equal('field\ntext\nmany 2\nnothing\n');
    });

    it('refuses a file whose field type says a string field holds a mutex: NEW_OBJ then stores a string there', () => {
      const good = writeAstb(compile(PROGRAM, 'fields.asthra'));
      // the fields section is last: Named's field types are the strings 's' and 'n'
      const at = good.lastIndexOf(Buffer.from([1, 0, 0, 0, 0x73, 1, 0, 0, 0, 0x6e]));
      expect(at).to.be.greaterThan(0);
      const bad = Buffer.from(good);
      bad[at + 4] = 0x6d; // 'm'
      const r = exec(reseal(bad), 'mutexfield.astb');
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(/function 'main' at pc \d+: NEW_OBJ expects a mutex as field 0 of shape 'Named', found a string/);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.not.match(JS_STACK);
    });

    it('refuses a hand-made file that reads a string field and locks it as a mutex (verify error, nothing runs)', () => {
      const m = entryModule(['CONST_S', 0, 'NEW_OBJ', 0, 'GET_FIELD', 0, 1, 'MUTEX_LOCK', 'RET'], { strings: ['text'] });
      m.shapes = [{ name: 'Named', variant: 0, refs: Uint8Array.from([1]), fields: ['s'] }];
      const r = exec(m, 'lockfield.astb');
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(/function '<init>' at pc 7: MUTEX_LOCK expects a mutex as the mutex, found a string/);
      expect(r.status, r.stderr).to.equal(2);
    });
  });

  describe('rare races', () => {
    // The issue saw `internal error: gc: reference ... points at a free block` once in about 370
    // runs of fib_tasks under --workers 2 --gc-torture. One cause found by reasoning is fixed (a
    // worker joining Meta.ACTIVE read STW_REQ with a plain read, which may miss a stop that
    // began before it counted itself: scheduler/stw.ts safepointOnActivate); it did not
    // reproduce here before or after, so this stress test guards the path rather than proving
    // the fix. `for i in $(seq 400); do asthra run --workers 2 --gc-torture ...; done` is the
    // longer run.
    const FIB = path.join(__dirname, '..', 'spec-tests', 'concurrency', 'fib_tasks.asthra');
    it('fib_tasks under --workers 2 --gc-torture ends cleanly every time (4 runs)', function () {
      this.timeout(300000);
      for (let i = 0; i < 4; i++) {
        const r = spawnSync(process.execPath, [CLI, 'run', '--workers', '2', '--gc-torture', FIB], { encoding: 'utf8', timeout: 120000 });
        if (r.error) throw r.error;
        expect(r.status, `run ${i}: ${r.stderr}`).to.equal(0);
        expect(r.stdout, `run ${i}`).to.equal('fib(15) = 610\nfib(10) = 55\n');
      }
    });
  });

  describe('a seeded fuzzing round', () => {
    it('rejects every mutant cleanly or runs it without an internal error, stack trace or signal (bytecode and source)', function () {
      this.timeout(240000);
      const { counts, failures } = fuzz({ seed: 12, cases: 3000, mode: 'both', run: 12, timeoutMs: 20000 });
      const summary = JSON.stringify(counts, null, 1);
      expect(failures.map((f) => `${f.kind}: ${f.message}`), summary).to.deep.equal([]);
      // the round reached every stage
      expect(counts['bytecode rejected-verify'] ?? 0, summary).to.be.greaterThan(100);
      expect(counts['bytecode rejected-load'] ?? 0, summary).to.be.greaterThan(10);
      expect(counts['source rejected-compile'] ?? 0, summary).to.be.greaterThan(100);
      expect(counts['source accepted'] ?? 0, summary).to.be.greaterThan(10);
      expect(Object.keys(counts).some((k) => k.startsWith('bytecode run: ran')), summary).to.equal(true);
    });
  });
});
