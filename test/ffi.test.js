// C interop (src/ffi): the extern table in .astb files and the verifier, library search, and
// the CLI around externs (disasm, exec of a built file, --lib-path and ASTHRA_LIB_PATH, load
// errors). The programs themselves are spec-tests/ffi/ (run on 1, 2 and 4 workers and under
// gc torture); they call build/clib/libasthrademo.so, built from examples/c/asthrademo.c by
// tools/build-clib.js before the tests (npm test's pretest).
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { OPS } = require('../dist/bytecode/opcodes');
const { verifyModule } = require('../dist/bytecode/verify');
const { readAstb, writeAstb } = require('../dist/bytecode/astb');
const { compile } = require('../dist/compiler/compile');
const { findLibrary, libraryDirs } = require('../dist/ffi/library');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'asthra');
const LIB_DIR = path.join(ROOT, 'build', 'clib');

function op(name) {
  const i = OPS.findIndex((o) => o.name === name);
  if (i < 0) throw new Error(`no opcode ${name}`);
  return i;
}

function cli(args, opts = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60000, ...opts });
}

function tmp(name, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-ffi-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const DEMO = `package main;
extern "asthrademo" fn demo_add_i32(a: i32, b: i32) -> i32;
#[non_blocking] extern "asthrademo" fn demo_upper(s: string) -> string;
pub fn main(void) -> void {
    unsafe {
        println("sum " + demo_add_i32(40, 2));
        println(demo_upper("loud"));
    }
}
`;

/** A module with one extern and a main that calls it (hand-made, to corrupt). */
function handModule({ params = [6, 6], ret = 6, argc = 2 } = {}) {
  const m = compile('package main;\npub fn main(void) -> void { }\n', 'hand.asthra');
  m.externs = [{ name: 'add', lib: '', symbol: 'add', params: Uint8Array.from(params), ret, blocking: false, line: 1, col: 1 }];
  const main = m.functions[1];
  const code = [];
  for (let k = 0; k < argc; k++) code.push(op('PUSH_I'), k);
  code.push(op('CALL_EXTERN'), 0, argc, op('POP'), op('PUSH_I'), 0, op('RET'));
  main.code = Int32Array.from(code);
  main.maxStack = Math.max(argc, 1);
  main.lines = new Int32Array(0);
  return m;
}

describe('C interop', () => {
  describe('the verifier and the externs section', () => {
    it('accepts a call with the extern\'s argument count and kinds', () => {
      expect(() => verifyModule(handModule())).to.not.throw();
    });

    it('rejects a CALL_EXTERN whose argument count differs from the extern\'s', () => {
      expect(() => verifyModule(handModule({ argc: 1 }))).to.throw(/CALL_EXTERN passes 1 arguments to 'add', which takes 2/);
    });

    it('rejects a number where the extern takes a string', () => {
      expect(() => verifyModule(handModule({ params: [14, 6] }))).to.throw(/CALL_EXTERN expects \[rn\] on the stack, found \[nn\]/);
    });

    it('rejects unknown C type codes and void parameters, naming the extern', () => {
      expect(() => verifyModule(handModule({ params: [6, 99] }))).to.throw(/extern 0 \('add'\): parameter 2 has unknown type code 99/);
      expect(() => verifyModule(handModule({ ret: 17 }))).to.throw(/extern 0 \('add'\): result type code 17 is unknown/);
      expect(() => verifyModule(handModule({ ret: 16 }))).to.throw(/extern 0 \('add'\): a C function cannot return a callback/);
      expect(() => verifyModule(handModule({ params: [0, 6] }))).to.throw(/parameter 1 has type void/);
    });

    it('rejects a CALL_EXTERN naming an extern the file does not have', () => {
      const m = handModule();
      m.externs = [];
      expect(() => verifyModule(m)).to.throw(/CALL_EXTERN operand 1 \(extern\) = 0 is out of range/);
    });

    it('rejects a pointer load or store of a type that is not a value in memory', () => {
      const m = compile('package main;\npub fn main(void) -> void { }\n', 'hand.asthra');
      const main = m.functions[1];
      for (const [t, ok] of [[6, true], [15, true], [14, false], [0, false], [16, false], [99, false]]) {
        main.code = Int32Array.from([op('PUSH_I'), 0, op('PTR_LOAD'), t, op('POP'), op('PUSH_I'), 0, op('RET')]);
        main.lines = new Int32Array(0);
        if (ok) expect(() => verifyModule(m)).to.not.throw();
        else expect(() => verifyModule(m)).to.throw(/PTR_LOAD (names C type .* which is not a value in memory|operand 1 \(ctype\) = 99 is out of range)/);
      }
    });

    it('gives a variable whose address is taken a cell: its slot holds a reference', () => {
      const m = compile('package main;\npub fn main(void) -> void {\n let mut x: i32 = 1;\n let y: i32 = 2;\n let p: *mut i32 = &x;\n}\n', 'cell.asthra');
      expect(Array.from(m.functions[1].localKinds)).to.deep.equal([1, 0, 0]);
      const names = [];
      const code = m.functions[1].code;
      for (let pc = 0; pc < code.length; pc += 1 + OPS[code[pc]].operands.length) names.push(OPS[code[pc]].name);
      expect(names).to.include.members(['NEW_CELL', 'CELL_ADDR', 'PTR_STORE']);
    });

    it('round trips a compiled program\'s externs through an .astb file', () => {
      const m = compile(DEMO, 'demo.asthra');
      const back = readAstb(writeAstb(m));
      expect(back.externs.map((x) => [x.name, x.lib, x.symbol, [...x.params], x.ret, x.blocking, x.line])).to.deep.equal([
        ['demo_add_i32', 'asthrademo', 'demo_add_i32', [6, 6], 6, true, 2],
        ['demo_upper', 'asthrademo', 'demo_upper', [14], 14, false, 3],
      ]);
    });
  });

  describe('the native tier', () => {
    it('compiles functions that call #[non_blocking] externs, and no others', () => {
      const { nativeEligible } = require('../dist/vm/native');
      const file = path.join(ROOT, 'spec-tests', 'ffi', 'native_loop.asthra');
      const m = compile(fs.readFileSync(file, 'utf8'), 'native_loop.asthra');
      const ok = nativeEligible(m);
      const native = m.functions.filter((f, i) => ok[i]).map((f) => f.name);
      expect(native).to.deep.equal(['evens_and_sum', 'halves', 'main']);
      // a blocking extern keeps its caller in the interpreter (the task must be able to park)
      const blocking = compile('package main;\npub extern fn abs(x: i32) -> i32;\nfn f(x: i32) -> i32 { return unsafe { abs(x) }; }\npub fn main(void) -> void { }\n', 'b.asthra');
      expect(nativeEligible(blocking)[1]).to.equal(false);
    });
  });

  describe('finding libraries', () => {
    it('binds the C library for "libc", "c" and upstream\'s library-less form', () => {
      for (const lib of ['', 'libc', 'c']) expect(findLibrary(lib, [])).to.equal(null);
    });

    it('finds libNAME.so in a --lib-path directory before the system ones', () => {
      expect(findLibrary('asthrademo', [LIB_DIR])).to.equal(path.join(LIB_DIR, 'libasthrademo.so'));
    });

    it('finds the versioned system library for a bare name with no plain .so (libm.so.6)', function () {
      const found = findLibrary('m', []);
      if (!fs.existsSync('/lib/x86_64-linux-gnu/libm.so.6') && !fs.existsSync('/usr/lib/x86_64-linux-gnu/libm.so.6')) this.skip();
      expect(found).to.match(/libm\.so(\.\d+)?$/);
    });

    it('takes a path as a path, relative to the working directory', () => {
      expect(findLibrary('./x/libfoo.so', [])).to.equal(path.resolve('x/libfoo.so'));
      expect(findLibrary('/opt/libbar.so.2', [])).to.equal('/opt/libbar.so.2');
    });

    it('adds ASTHRA_LIB_PATH after the --lib-path directories', () => {
      const saved = process.env.ASTHRA_LIB_PATH;
      process.env.ASTHRA_LIB_PATH = ['/a', '/b'].join(path.delimiter);
      try {
        expect(libraryDirs(['/flag'])).to.deep.equal(['/flag', '/a', '/b']);
      } finally {
        if (saved === undefined) delete process.env.ASTHRA_LIB_PATH;
        else process.env.ASTHRA_LIB_PATH = saved;
      }
    });
  });

  describe('the command line', () => {
    it('disasm lists the externs and names them at CALL_EXTERN', () => {
      const r = cli(['disasm', tmp('demo.asthra', DEMO)]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.include('; extern 0 demo_add_i32 = demo_add_i32(i32, i32) -> i32 from "asthrademo", blocking (line 2)');
      expect(r.stdout).to.include('; extern 1 demo_upper = demo_upper(string) -> string from "asthrademo", non-blocking (line 3)');
      expect(r.stdout).to.match(/CALL_EXTERN\s+0 <demo_add_i32>, 2/);
    });

    it('exec runs a built file with externs, finding the library through ASTHRA_LIB_PATH', () => {
      const src = tmp('demo.asthra', DEMO);
      const out = src.replace(/\.asthra$/, '.astb');
      expect(cli(['build', src, '-o', out]).status).to.equal(0);
      const r = cli(['exec', out], { env: { ...process.env, ASTHRA_LIB_PATH: LIB_DIR } });
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.equal('sum 42\nLOUD\n');
      expect(r.status).to.equal(0);
    });

    it('a library that is not found is a load error naming the source line, before anything runs (exit 1)', () => {
      const src = tmp('demo.asthra', DEMO);
      const out = src.replace(/\.asthra$/, '.astb');
      expect(cli(['build', src, '-o', out]).status).to.equal(0);
      const r = cli(['exec', out], { env: { ...process.env, ASTHRA_LIB_PATH: '' } });
      expect(r.status).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(/demo\.asthra:2:1: error: extern 'demo_add_i32': cannot load C library "asthrademo"/);
    });

    it('--lib-path is repeatable and takes --lib-path=DIR', () => {
      const src = tmp('demo.asthra', DEMO);
      const r = cli(['run', '--lib-path', '/nonexistent', `--lib-path=${LIB_DIR}`, src], { env: { ...process.env, ASTHRA_LIB_PATH: '' } });
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.equal('sum 42\nLOUD\n');
    });
  });

  // spec-tests/ffi/crash_*.asthra run on the default worker count and on 1 and 4; these pin
  // 1 and 2 workers, and show what is not a crash in C stays as it was
  describe('a C call that crashes the process', () => {
    for (const workers of ['1', '2']) {
      for (const [file, ext, task] of [['crash_in_task', 'demo_peek', 3], ['crash_blocking_in_task', 'demo_slow_peek', 3]]) {
        it(`is reported with its extern and task on ${workers} worker${workers === '1' ? '' : 's'} (${file})`, () => {
          const rel = `spec-tests/ffi/${file}.asthra`;
          const r = cli(['run', '--workers', workers, '--lib-path', LIB_DIR, rel]);
          expect(r.signal, r.stderr).to.equal('SIGSEGV');
          expect(r.stderr).to.include(`asthra: the program crashed inside the C function '${ext}' (extern declared at ${rel}:`);
          expect(r.stderr).to.include(`in task ${task} (crasher):`);
          // one report, for the call that crashed (another task is in C meanwhile)
          expect(r.stderr.match(/crashed inside/g)).to.have.length(1);
        });
      }
    }

    // CI once aborted at exit (FATAL ERROR ... napi_throw, in CrashGuard.release): an FFI
    // thread that saw the program end freed its signal stack through koffi while Node tore the
    // thread down. Leaving makes no C call now; the stack stays with the row for the next thread.
    it('a thread leaving its row makes no C call and leaves the row\'s signal stack to the next thread', () => {
      const { CrashGuard, CRASH_ROWS, rowSlot } = require('../dist/ffi/crash');
      const table = new SharedArrayBuffer(1024 + CRASH_ROWS * 64);
      const g = CrashGuard.forFfiThread(table);
      const f64 = new Float64Array(table);
      f64[rowSlot(g.index) + 4] = 123456; // as arm() leaves it (RowF64.ALT_BASE)
      f64[rowSlot(g.index) + 5] = 65536;
      g.row[1] = 7; // in a C call
      g.release(); // the row is free again, its signal stack left in it (release() no longer frees it)
      expect(g.row[0]).to.equal(0);
      expect(g.row[1]).to.equal(0);
      const next = CrashGuard.forFfiThread(table);
      expect(next.index).to.equal(g.index);
      expect(f64[rowSlot(next.index) + 4]).to.equal(123456);
    });

    it('is reported when a built file runs (exec), naming the extern\'s source line', () => {
      const src = tmp('peek.asthra', `package main;
#[non_blocking] extern "asthrademo" fn demo_peek(addr: *const i32) -> i32;
pub fn main(void) -> void {
    let zero: usize = 0;
    println("" + unsafe { demo_peek(zero as *const i32) });
}
`);
      const out = src.replace(/\.asthra$/, '.astb');
      expect(cli(['build', src, '-o', out]).status).to.equal(0);
      const r = cli(['exec', out], { env: { ...process.env, ASTHRA_LIB_PATH: LIB_DIR } });
      expect(r.signal, r.stderr).to.equal('SIGSEGV');
      expect(r.stderr).to.include(`the program crashed inside the C function 'demo_peek' (extern declared at ${src}:2:17): SIGSEGV`);
      expect(r.stderr).to.include(`at main (${src}:5:`);
    });

    // exec starts the watch thread only once the file is loaded, 50 to 90 ms before it is ready:
    // these crashes come in main's first C call, which runs at once (CrashGuard.armOnMain)
    for (const [file, signal, ext] of [['crash_stack_overflow', 'SIGSEGV', 'demo_recurse'], ['crash_abort', 'SIGABRT', 'demo_raise']]) {
      it(`is reported when main's first C call crashes before the watch thread is ready (exec, ${file})`, () => {
        const rel = `spec-tests/ffi/${file}.asthra`;
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-ffi-')), `${file}.astb`);
        expect(cli(['build', rel, '-o', out]).status).to.equal(0);
        const r = cli(['exec', '--lib-path', LIB_DIR, out]);
        expect(r.signal, r.stderr).to.equal(signal);
        expect(r.stderr).to.include(`asthra: the program crashed inside the C function '${ext}' (extern declared at ${rel}:`);
        expect(r.stderr).to.include('in task 0 (main):');
      });
    }

    it('a program that ends while the watch thread still starts exits cleanly (exec)', () => {
      const src = tmp('quick.asthra', `package main;
pub extern fn abs(x: i32) -> i32;
pub fn main(void) -> void {
    println("abs " + unsafe { abs(0 - 7) });
}
`);
      const out = src.replace(/\.asthra$/, '.astb');
      expect(cli(['build', src, '-o', out]).status).to.equal(0);
      for (let k = 0; k < 3; k++) {
        const r = cli(['exec', out]);
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.equal('abs 7\n');
        expect(r.stderr).to.equal('');
      }
    });

    it('a SIGSEGV sent from outside while Asthra code runs ends the process as before, unreported', function (done) {
      this.timeout(60000);
      const src = tmp('spin.asthra', `package main;
#[non_blocking] extern fn abs(x: i32) -> i32;
fn spin(n: i64) -> i64 {
    let mut total: i64 = 0;
    for i in range(0, n) {
        total = total + i % 3;
    }
    return total;
}
pub fn main(void) -> void {
    println("ready");
    // what was printed is written out before a C call
    let a: i64 = unsafe { abs(0 - 3) } as i64;
    let n: i64 = 100000000000;
    println("" + (spin(n) + a));
}
`);
      const { spawn } = require('child_process');
      const child = spawn(process.execPath, [CLI, 'run', src], { cwd: ROOT });
      let stdout = '';
      let stderr = '';
      // the loop runs for hours: a child that outlives the signal is stopped, and the test fails
      const guard = setTimeout(() => child.kill('SIGKILL'), 40000);
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('ready\n')) child.kill('SIGSEGV');
      });
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        try {
          expect(signal, stderr).to.equal('SIGSEGV');
          expect(stderr).to.not.include('crashed inside');
          done();
        } catch (e) {
          done(e);
        }
      });
    });
  });
});
