// Tests of the command line (src/cli/main.ts) through bin/asthra in a child process: usage, exit
// codes, build/exec/disasm of .astb files, and the error reports for bad input of every kind.
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { OPS } = require('../dist/bytecode/opcodes');
const { writeAstb, crc32 } = require('../dist/bytecode/astb');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'asthra');
const VERSION = require('../package.json').version;

/** A JavaScript stack frame line, as node prints them ("    at fn (/path/file.js:1:2)"). */
const JS_STACK = /at .*\.js:/;

let tmp;

function asthra(args, opts = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? tmp, encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  return r;
}

/** Write a file under the temp dir and return its absolute path. */
function file(name, content) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
}

function why(r) {
  return `\n--- exit ${r.status} ---\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** A usage-style failure: exit 2, exactly one `asthra: ...` line on stderr, no JS stack trace. */
function expectUsageError(r, pattern) {
  expect(r.status, why(r)).to.equal(2);
  expect(r.stderr, why(r)).to.match(/^asthra: [^\n]+\n$/);
  expect(r.stderr, why(r)).to.not.match(JS_STACK);
  if (pattern) expect(r.stderr, why(r)).to.match(pattern);
  expect(r.stdout, why(r)).to.equal('');
}

const HELLO = `fn square(n: i32) -> i32 {
    return n * n;
}

pub fn main() -> void {
    let words: []string = ["alpha", "beta"];
    for w in words {
        println(w + " " + square(w.len as i32));
    }
    let total: i64 = 40 as i64 + 2 as i64;
    println("total " + total);
}
`;
const HELLO_OUT = 'alpha 25\nbeta 16\ntotal 42\n';

describe('cli (bin/asthra)', function () {
  this.timeout(60000);

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-cli-test-'));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('help and version', () => {
    it('--help prints usage and exits 0', () => {
      const r = asthra(['--help']);
      expect(r.status, why(r)).to.equal(0);
      expect(r.stdout).to.match(/^asthra \S+/);
      expect(r.stdout).to.include('Usage:');
      for (const cmd of ['run', 'build', 'exec', 'disasm']) expect(r.stdout).to.include(`asthra ${cmd} `);
      expect(r.stderr).to.equal('');
    });

    it('-h is the same as --help', () => {
      expect(asthra(['-h']).stdout).to.equal(asthra(['--help']).stdout);
    });

    it('--version prints the package version and exits 0', () => {
      const r = asthra(['--version']);
      expect(r.status, why(r)).to.equal(0);
      expect(r.stdout).to.equal(`asthra ${VERSION}\n`);
      expect(asthra(['-v']).stdout).to.equal(`asthra ${VERSION}\n`);
    });

    it('prints the help when run without arguments', () => {
      const r = asthra([]);
      expect(r.status, why(r)).to.equal(0);
      expect(r.stdout).to.equal(asthra(['--help']).stdout);
    });
  });

  describe('usage errors', () => {
    it('rejects an unknown command with exit 2 and one line', () => {
      expectUsageError(asthra(['frobnicate']), /unknown command 'frobnicate'/);
    });

    it('rejects an unknown option with exit 2 and one line', () => {
      expectUsageError(asthra(['run', '--frob', 'x.asthra']), /unknown option '--frob'/);
    });

    it('rejects a missing source file with exit 2 and one line', () => {
      expectUsageError(asthra(['run', path.join(tmp, 'no-such-file.asthra')]), /no-such-file\.asthra.*no such file/);
    });

    it('rejects a missing .astb file with exit 2 and one line', () => {
      expectUsageError(asthra(['exec', path.join(tmp, 'missing.astb')]), /missing\.astb.*no such file/);
    });

    it('rejects a command without its file', () => {
      expectUsageError(asthra(['build']), /'asthra build' needs a file/);
      expectUsageError(asthra(['exec']), /needs a file/);
    });

    it('rejects a source file without the .asthra extension', () => {
      const p = file('notes.txt', 'pub fn main() -> void { }\n');
      expectUsageError(asthra(['run', p]), /not an Asthra source file/);
    });

    it('rejects a source "file" that is a directory with exit 2 and one line', () => {
      fs.mkdirSync(path.join(tmp, 'folder.asthra'), { recursive: true });
      expectUsageError(asthra(['run', path.join(tmp, 'folder.asthra')]), /cannot read '.*folder\.asthra'/);
    });
    // error, so `exec` of an unreadable path (here a directory) reports "asthra: internal error:
    // EISDIR ..." with exit 70, where `run` of the same kind of path gives "cannot read" with exit 2.
    it('rejects an .astb "file" that is a directory with exit 2 and one line', () => {
      fs.mkdirSync(path.join(tmp, 'folder.astb'), { recursive: true });
      expectUsageError(asthra(['exec', path.join(tmp, 'folder.astb')]), /cannot read '.*folder\.astb'/);
    });
    // catch-all, so the CLI says "asthra: internal error: ENOENT ..." and exits 70 (internal error)
    // for what is a user error about the output path.
    it('reports an output path it cannot write as a user error, not an internal error', () => {
      const p = file('ok-build.asthra', HELLO);
      const r = asthra(['build', p, '-o', path.join(tmp, 'no', 'such', 'dir', 'x.astb')]);
      expectUsageError(r, /cannot write '.*x\.astb'/);
    });

    it('rejects -o without a value and a bad --max-heap', () => {
      const p = file('ok.asthra', HELLO);
      expectUsageError(asthra(['build', p, '-o']), /-o needs a value/);
      expectUsageError(asthra(['run', '--max-heap', 'lots', p]), /invalid size 'lots'/);
    });
  });

  describe('build, exec and disasm', () => {
    let src;
    let astb;
    before(() => {
      src = file('hello.asthra', HELLO);
      astb = path.join(tmp, 'hello-out.astb');
    });

    it('run prints the program output', () => {
      const r = asthra(['run', src]);
      expect(r.status, why(r)).to.equal(0);
      expect(r.stdout).to.equal(HELLO_OUT);
      expect(r.stderr).to.equal('');
    });

    it('build -o writes an .astb file that exec runs with the same output as run', () => {
      const b = asthra(['build', src, '-o', astb]);
      expect(b.status, why(b)).to.equal(0);
      expect(b.stdout).to.equal('');
      const bytes = fs.readFileSync(astb);
      expect(bytes.toString('latin1', 0, 4)).to.equal('ASTB');
      const e = asthra(['exec', astb]);
      expect(e.status, why(e)).to.equal(0);
      expect(e.stdout).to.equal(asthra(['run', src]).stdout);
      expect(e.stdout).to.equal(HELLO_OUT);
    });

    it('build without -o writes next to the source with the .astb extension', () => {
      const s = file('beside.asthra', HELLO);
      const b = asthra(['build', s]);
      expect(b.status, why(b)).to.equal(0);
      const out = path.join(tmp, 'beside.astb');
      expect(fs.existsSync(out)).to.equal(true);
      expect(asthra(['exec', out]).stdout).to.equal(HELLO_OUT);
    });

    it('disasm of an .astb shows opcode names and the source lines they came from', () => {
      asthra(['build', src, '-o', astb]);
      const r = asthra(['disasm', astb]);
      expect(r.status, why(r)).to.equal(0);
      expect(r.stdout).to.match(/^; /);
      expect(r.stdout).to.match(/^fn \d+ square: arity 1/m);
      expect(r.stdout).to.match(/^fn \d+ main: arity 0/m);
      // every instruction line is `pc NAME operands` with a name from the opcode table
      const names = new Set(OPS.map((o) => o.name));
      const insns = r.stdout.split('\n').filter((l) => /^\s+\d+\s+\S/.test(l));
      expect(insns.length).to.be.greaterThan(10);
      for (const l of insns) expect(names.has(l.trim().split(/\s+/)[1]), l).to.equal(true);
      const used = new Set(insns.map((l) => l.trim().split(/\s+/)[1]));
      for (const name of ['RET', 'CALL', 'BUILTIN']) expect(used.has(name), name).to.equal(true);
      expect(r.stdout).to.include('; 2: return n * n;');
      expect(r.stdout).to.include('; 11: println("total " + total);');
      expect(r.stdout).to.include('<println>');
    });

    it('disasm also accepts a source file', () => {
      const r = asthra(['disasm', src]);
      expect(r.status, why(r)).to.equal(0);
      expect(r.stdout).to.include('; 2: return n * n;');
      expect(r.stdout).to.match(/^\s+\d+\s+RET\b/m);
    });
  });

  describe('a program of several files', () => {
    let dir;
    let astb;
    before(() => {
      dir = path.join(tmp, 'multi');
      fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'lib', 'shapes.asthra'), [
        'package shapes;',
        'pub struct Sq { pub side: i32 }',
        'pub fn area(s: Sq) -> i32 {',
        '    return s.side * s.side;',
        '}',
        'pub fn pick(xs: []i32, i: i32) -> i32 {',
        '    return xs[i];',
        '}',
        '',
      ].join('\n'));
      fs.writeFileSync(path.join(dir, 'main.asthra'), [
        'package main;',
        'import "./lib/shapes" as sh;',
        'pub fn main() -> void {',
        '    log(sh.area(sh.Sq { side: 7 }));',
        '    log(str.upper("done"));',
        '    let xs: []i32 = [1];',
        '    log(sh.pick(xs, i32(len(args()))));',
        '    return;',
        '}',
        '',
      ].join('\n'));
      astb = path.join(tmp, 'multi.astb');
    });

    it('builds into one .astb that exec runs without the source files', () => {
      const b = asthra(['build', 'main.asthra', '-o', astb], { cwd: dir });
      expect(b.status, why(b)).to.equal(0);
      // the sources are gone: the .astb alone runs, from another directory
      const moved = path.join(tmp, 'multi-moved');
      fs.renameSync(dir, moved);
      try {
        const e = asthra(['exec', astb]);
        expect(e.status, why(e)).to.equal(0);
        expect(e.stdout).to.equal('49\nDONE\n1\n');
        // a trap in the imported module names that module's file and line, from the .astb's files section
        const t = asthra(['exec', astb, 'x']);
        expect(t.status, why(t)).to.equal(1);
        expect(t.stderr).to.match(/^runtime error: index out of bounds/);
        expect(t.stderr).to.include('at shapes.pick (lib/shapes.asthra:7:12)');
        expect(t.stderr).to.include('return xs[i];');
        expect(t.stderr).to.include('at main (main.asthra:7:9)');
        const d = asthra(['disasm', astb]);
        expect(d.status, why(d)).to.equal(0);
        expect(d.stdout).to.include('; lib/shapes.asthra:4: return s.side * s.side;');
      } finally {
        fs.renameSync(moved, dir);
      }
    });

    it('io.read_line reads standard input a line at a time, "" at its end', () => {
      const p = file('echo.asthra', [
        'pub fn main() -> void {',
        '    let mut n: i32 = 0;',
        '    let mut line: string = io.read_line();',
        '    while line != "" {',
        '        n = n + 1;',
        '        io.println(str.from_int(n) + ": " + str.upper(line));',
        '        line = io.read_line();',
        '    }',
        '    io.println(n);',
        '}',
        '',
      ].join('\n'));
      const r = spawnSync(process.execPath, [CLI, 'run', p], { cwd: tmp, encoding: 'utf8', input: 'one\ntwo\r\nthrée', timeout: 60000 });
      expect(r.status, why(r)).to.equal(0);
      expect(r.stdout).to.equal('1: ONE\n2: TWO\n3: THRÉE\n3\n');
    });

    it('reports an error in an imported file at that file, line and column', () => {
      fs.writeFileSync(path.join(dir, 'lib', 'bad.asthra'), 'package bad;\npub fn f() -> i32 {\n    return "x";\n}\n');
      fs.writeFileSync(path.join(dir, 'usebad.asthra'), 'import "./lib/bad" as bad;\npub fn main() -> void {\n    log(bad.f());\n    return;\n}\n');
      const r = asthra(['build', 'usebad.asthra'], { cwd: dir });
      expect(r.status, why(r)).to.equal(1);
      expect(r.stderr).to.include('lib/bad.asthra:3:12: error: type mismatch: expected i32, found string');
      expect(r.stderr).to.include('3 |     return "x";');
      expect(r.stderr).to.not.match(JS_STACK);
    });
  });

  describe('corrupted bytecode files', () => {
    let good;
    before(() => {
      const src = file('corrupt-src.asthra', HELLO);
      const out = path.join(tmp, 'corrupt-good.astb');
      const b = asthra(['build', src, '-o', out]);
      expect(b.status, why(b)).to.equal(0);
      good = fs.readFileSync(out);
    });

    function expectBadAstb(name, bytes, extra) {
      const p = file(name, bytes);
      const r = asthra(['exec', p]);
      expectUsageError(r);
      expect(r.stderr, why(r)).to.include(name);
      expect(r.stderr, why(r)).to.include('invalid bytecode file');
      expect(r.stderr, why(r)).to.match(/\b[a-z]+ section, offset \d+: /);
      if (extra) expect(r.stderr, why(r)).to.match(extra);
      return r;
    }

    it('rejects a flipped byte (checksum)', () => {
      const bad = Buffer.from(good);
      bad[Math.floor(bad.length / 2)] ^= 0x5a;
      expectBadAstb('flipped.astb', bad, /checksum mismatch/);
    });

    it('rejects a truncated file', () => {
      expectBadAstb('truncated.astb', good.subarray(0, good.length - 10), /trailer section, offset \d+: checksum/);
      expectBadAstb('stub.astb', good.subarray(0, 9), /too short/);
    });

    it('rejects an empty file', () => {
      expectBadAstb('empty.astb', Buffer.alloc(0), /too short \(0 bytes\)/);
    });

    it('rejects a text file renamed .astb', () => {
      expectBadAstb('text.astb', HELLO, /bad magic/);
    });

    it('rejects a well-formed file whose code fails the verifier, naming the function and pc', () => {
      const op = (n) => OPS.findIndex((o) => o.name === n);
      const m = {
        sourceName: 'hand.asthra', source: '', numbers: [], strings: ['s'], shapes: [], globals: [], externs: [], callbacks: [], entry: 0, mainKind: 0,
        functions: [{
          name: 'main', arity: 0, nlocals: 0, maxStack: 2, localKinds: new Uint8Array(0), retKind: 0,
          code: new Int32Array([op('CONST_S'), 0, op('PUSH_I'), 1, op('ADD_I'), 2, op('RET')]), lines: new Int32Array(0),
        }],
      };
      const p = file('unverified.astb', writeAstb(m));
      const r = asthra(['exec', p]);
      expectUsageError(r, /rejected by the verifier: function 'main' at pc 4: ADD_I expects \[nn\]/);
    });

    it('runs a valid hand-made .astb file', () => {
      const op = (n) => OPS.findIndex((o) => o.name === n);
      const m = {
        sourceName: 'hand.asthra', source: '', numbers: [], strings: ['made by hand'], shapes: [], globals: [], externs: [], callbacks: [], entry: 0, mainKind: 1,
        functions: [{
          name: 'main', arity: 0, nlocals: 0, maxStack: 1, localKinds: new Uint8Array(0), retKind: 0,
          code: new Int32Array([op('CONST_S'), 0, op('BUILTIN'), 1, 1, op('POP'), op('PUSH_I'), 7, op('RET')]), lines: new Int32Array(0),
        }],
      };
      const r = asthra(['exec', file('hand.astb', writeAstb(m))]);
      expect(r.stdout, why(r)).to.equal('made by hand\n');
      expect(r.status, why(r)).to.equal(7);
    });

    it('rejects an unsupported version with a valid checksum', () => {
      const bad = Buffer.from(good);
      bad.writeUInt16LE(99, 4);
      bad.writeUInt32LE(crc32(bad.subarray(0, bad.length - 4)), bad.length - 4);
      expectBadAstb('future.astb', bad, /header section, offset \d+: format version 99\.\d+ is not supported/);
    });
  });

  describe('compile and runtime errors', () => {
    it('a compile error exits 1 with file:line:col: error: and a caret line', () => {
      const p = file('type-error.asthra', 'pub fn main() -> void {\n    let x: i32 = "text";\n}\n');
      const r = asthra(['run', p]);
      expect(r.status, why(r)).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr, why(r)).to.match(/type-error\.asthra:2:18: error: /);
      const lines = r.stderr.split('\n');
      const src = lines.findIndex((l) => l.endsWith('let x: i32 = "text";'));
      expect(src, why(r)).to.be.greaterThan(0);
      expect(lines[src + 1], why(r)).to.match(/^\s*\| {18}\^$/);
      expect(r.stderr).to.not.match(JS_STACK);
    });

    it('a syntax error exits 1 with the location, also for build (and writes nothing)', () => {
      const p = file('syntax.asthra', 'pub fn main() -> void {\n    let x: i32 = 1\n    println("x");\n}\n');
      const out = path.join(tmp, 'syntax-out.astb');
      const r = asthra(['build', p, '-o', out]);
      expect(r.status, why(r)).to.equal(1);
      expect(r.stderr, why(r)).to.match(/syntax\.asthra:2:19: error: expected ';'/);
      expect(r.stderr).to.match(/\n\s*\|\s+\^\n/);
      expect(fs.existsSync(out)).to.equal(false);
    });
    // parse() rethrows, so the CLI reports "asthra: internal error: unexpected character ..." plus
    // nearley's long list of expected tokens, with exit 70, instead of a compile error with exit 1.
    it('a character outside the language is a compile error (exit 1), not an internal error', () => {
      const p = file('dollar.asthra', 'pub fn main() -> void {\n    let a: i32 = 1 $ 2;\n}\n');
      const r = asthra(['run', p]);
      expect(r.status, why(r)).to.equal(1);
      expect(r.stderr, why(r)).to.match(/^[^\n]*dollar\.asthra:2:20: error: unexpected character/);
      expect(r.stderr).to.not.include('internal error');
    });

    it('a runtime error exits 1 with "runtime error:" and the Asthra call stack', () => {
      const p = file('trap.asthra', [
        'fn divide(a: i32, b: i32) -> i32 {',
        '    return a / b;',
        '}',
        '',
        'pub fn main() -> void {',
        '    println("start");',
        '    let zero: i32 = 0;',
        '    println("" + divide(10, zero));',
        '}',
        '',
      ].join('\n'));
      const r = asthra(['run', p]);
      expect(r.status, why(r)).to.equal(1);
      expect(r.stdout).to.equal('start\n');
      const lines = r.stderr.split('\n');
      expect(lines[0], why(r)).to.equal('runtime error: division by zero');
      expect(r.stderr, why(r)).to.match(/\n {2}at divide \([^)]*trap\.asthra:2:\d+\)\n/);
      expect(r.stderr, why(r)).to.match(/\n {2}at main \([^)]*trap\.asthra:8:\d+\)\n/);
      expect(r.stderr.indexOf('  at divide (')).to.be.lessThan(r.stderr.indexOf('  at main ('));
      expect(r.stderr).to.not.match(JS_STACK);
    });

    it('a runtime error in an exec-ed .astb keeps the source lines in the trace', () => {
      const p = file('trap2.asthra', 'pub fn main() -> void {\n    let s: []i32 = [1, 2];\n    let i: i32 = 5;\n    println("" + s[i]);\n}\n');
      const out = path.join(tmp, 'trap2.astb');
      expect(asthra(['build', p, '-o', out]).status).to.equal(0);
      const r = asthra(['exec', out]);
      expect(r.status, why(r)).to.equal(1);
      expect(r.stderr, why(r)).to.match(/^runtime error: /);
      expect(r.stderr, why(r)).to.include('  at main (');
      expect(r.stderr, why(r)).to.include(':4:');
      expect(r.stderr, why(r)).to.include('println("" + s[i]);');
    });
  });

  describe('program arguments and exit codes', () => {
    const ARGS = [
      'pub fn main() -> void {',
      '    let a: []string = args();',
      '    println("count " + a.len);',
      '    for s in a {',
      '        println("[" + s + "]");',
      '    }',
      '}',
      '',
    ].join('\n');

    it('passes the arguments after the file to args(), options included', () => {
      const p = file('args.asthra', ARGS);
      const r = asthra(['run', p, 'one', 'two words', '--flag', '-o', 'x']);
      expect(r.status, why(r)).to.equal(0);
      expect(r.stdout).to.equal('count 5\n[one]\n[two words]\n[--flag]\n[-o]\n[x]\n');
    });

    it('passes arguments to an exec-ed .astb too', () => {
      const p = file('args2.asthra', ARGS);
      const out = path.join(tmp, 'args2.astb');
      expect(asthra(['build', p, '-o', out]).status).to.equal(0);
      const r = asthra(['exec', out, 'α', '--help']);
      expect(r.status, why(r)).to.equal(0);
      expect(r.stdout).to.equal('count 2\n[α]\n[--help]\n');
    });

    it('gives args() an empty slice without extra arguments', () => {
      const r = asthra(['run', file('args3.asthra', ARGS)]);
      expect(r.stdout, why(r)).to.equal('count 0\n');
    });

    it('exit(3) ends the program with exit code 3', () => {
      const p = file('exit3.asthra', 'pub fn main() -> void {\n    println("before");\n    exit(3);\n    println("after");\n}\n');
      const r = asthra(['run', p]);
      expect(r.status, why(r)).to.equal(3);
      expect(r.stdout).to.equal('before\n');
      expect(r.stderr).to.equal('');
    });

    it('a main returning i32 42 exits with 42', () => {
      const p = file('ret42.asthra', 'pub fn main() -> i32 {\n    return 40 + 2;\n}\n');
      const r = asthra(['run', p]);
      expect(r.status, why(r)).to.equal(42);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.equal('');
    });

    it('a main returning Result.Err("bad") prints "error: bad" and exits 1', () => {
      const p = file('err.asthra', 'pub fn main() -> Result<void, string> {\n    println("working");\n    return Result.Err("bad");\n}\n');
      const r = asthra(['run', p]);
      expect(r.status, why(r)).to.equal(1);
      expect(r.stdout).to.equal('working\n');
      expect(r.stderr).to.equal('error: bad\n');
    });

    it('a main returning Result.Ok exits 0 with nothing on stderr', () => {
      const p = file('ok.asthra', 'pub fn main() -> Result<void, string> {\n    return Result.Ok(void);\n}\n');
      const r = asthra(['run', p]);
      expect(r.status, why(r)).to.equal(0);
      expect(r.stderr).to.equal('');
    });
  });
  describe('the --stats report', () => {
    const TASKS = [
      'fn work(i: i32) -> i32 {',
      '    let mut s: i32 = 0;',
      '    for k in range(0, 200) { s = s + k * i; }',
      '    return s;',
      '}',
      'pub fn main(void) -> void {',
      '    for i in range(0, 3000) { spawn work(i); }',
      '    println("done");',
      '}',
      '',
    ].join('\n');

    /** The per-worker rows of a --stats report: [worker, spawned, finished, slices, stolen, steals, takes, sleeps]. */
    function workerRows(stderr) {
      const rows = [];
      for (const line of stderr.split('\n')) {
        const m = /^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\((\d+)\)\s+(\d+)\s+(\d+)$/.exec(line);
        if (m) rows.push(m.slice(1).map(Number));
      }
      return rows;
    }

    for (const workers of [1, 2, 4]) {
      it(`counts every task once across ${workers} worker(s): spawned = finished = tasks + main`, () => {
        const r = asthra(['run', '--stats', '--workers', String(workers), file(`stats${workers}.asthra`, TASKS)]);
        expect(r.status, why(r)).to.equal(0);
        expect(r.stdout).to.equal('done\n');
        expect(r.stderr, why(r)).to.match(new RegExp(`^asthra stats:\\n  workers +${workers}\\n`));
        expect(r.stderr).to.match(/\n  worker +spawned +finished +slices +stolen \(steals\) +global takes +sleeps\n/);
        const rows = workerRows(r.stderr);
        expect(rows.map((w) => w[0]), why(r)).to.deep.equal([...Array(workers).keys()]);
        const sum = (k) => rows.reduce((n, w) => n + w[k], 0);
        expect(sum(1), 'spawned').to.equal(3001);
        expect(sum(2), 'finished').to.equal(3001);
        // every task runs at least one slice; main is preempted while it spawns
        expect(sum(3), 'slices').to.be.greaterThan(3001);
        // one worker steals nothing, and takes every fiber it runs from the global queue
        if (workers === 1) expect([sum(4), sum(5), sum(6)], 'stolen, steals, takes').to.deep.equal([0, 0, sum(3)]);
        // a steal takes at least one fiber
        expect(sum(4), 'stolen >= steals').to.be.at.least(sum(5));
      });
    }
  });
});
