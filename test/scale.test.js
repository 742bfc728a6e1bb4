// The compiler at scale, through bin/asthra: long operator chains and deep nesting compile and
// run (or, beyond the nesting limit, give a compile error naming the line), never the internal
// error of a JavaScript stack overflow (exit 70). The programs are generated here.
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CLI = path.join(__dirname, '..', 'bin', 'asthra');
const { MAX_NESTING } = require('../dist/compiler/check');
let tmp;

function asthra(args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', timeout: 120000, maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return r;
}

const main = (body) => `pub fn main(void) -> void {\n${body}\n}\n`;

/** Build and run `source`; both must succeed and the run print `out`. */
function buildsAndRuns(name, source, out) {
  const f = path.join(tmp, `${name}.asthra`);
  fs.writeFileSync(f, source);
  const b = asthra(['build', f, '-o', path.join(tmp, `${name}.astb`)]);
  expect(b.status, `build ${name}: ${b.stderr.slice(0, 400)}`).to.equal(0);
  const r = asthra(['run', f]);
  expect(r.status, `run ${name}: ${r.stderr.slice(0, 400)}`).to.equal(0);
  expect(r.stdout).to.equal(out);
}

describe('the compiler at scale (long chains, deep nesting)', function () {
  this.timeout(240000);
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-scale-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a flat 1 + 1 + ... + 1 of 50,000 terms', () => {
    buildsAndRuns('sum', main(`    let x: i64 = ${Array(50000).fill('1').join(' + ')};\n    println("" + x);`), '50000\n');
  });

  it('20,000 chained string + and a mixed chain of every left-associative operator', () => {
    const s = `"a"${' + "b"'.repeat(20000)}`;
    const mixed = `1${' * 3 - 2 + 4 / 2 % 7 | 1 & 7 ^ 2'.repeat(3000)}`;
    buildsAndRuns('concat', main(`    let s: string = ${s};\n    println("" + s.len);\n    let m: i64 = ${mixed};\n    println("" + (m > 0));`), '20001\ntrue\n');
  });

  it('20,000 chained && and 20,000 chained || (short-circuit, in a loop too)', () => {
    const and = Array(20000).fill('x == 1').join(' && ');
    const or = Array(20000).fill('x == 2').join(' || ');
    buildsAndRuns('logic', main(`    let x: i32 = 1;\n    let a: bool = ${and};\n    let o: bool = ${or} || x == 1;\n    println("" + a + " " + o);`), 'true true\n');
  });

  it('20,000 unary - and 20,000 !', () => {
    buildsAndRuns('unary', main(`    let a: i32 = ${'- '.repeat(20000)}x();\n    let b: bool = ${'!'.repeat(20000)}true;\n    println("" + a + " " + b);`).replace('pub fn', 'fn x() -> i32 { return 3; }\npub fn'), '3 true\n');
  });

  it(`blocks and for nested ${MAX_NESTING - 10} deep, if and while 3,000 deep`, () => {
    const n = MAX_NESTING - 10;
    buildsAndRuns('blocks', main(`    let mut x: i32 = 0;\n${'{ '.repeat(n)}x = x + 1;${' }'.repeat(n)}\n    println("" + x);`), '1\n');
    buildsAndRuns('ifs', main(`    let mut x: i32 = 0;\n${'if x < 1 { '.repeat(3000)}x = 7;${' }'.repeat(3000)}\n    println("" + x);`), '7\n');
    buildsAndRuns('whiles', main(`    let mut x: i32 = 0;\n${'while x < 1 { '.repeat(3000)}x = x + 1;${' }'.repeat(3000)}\n    println("" + x);`), '1\n');
  });

  // The verifier's object-kind pass keeps states only at the starts of basic blocks, with a
  // bit per number local, so 10,000 nested for loops (three locals each) verify in little memory.
  it(`for nested ${MAX_NESTING - 10} deep`, () => {
    const n = MAX_NESTING - 10;
    buildsAndRuns('fors', main(`    let mut x: i32 = 0;\n${'for i in range(0, 1) { '.repeat(n)}x = x + 1;${' }'.repeat(n)}\n    println("" + x);`), '1\n');
  });

  it('a slice literal nested 5,000 deep and parentheses 100,000 deep', () => {
    buildsAndRuns('slices', main(`    let v = ${'['.repeat(5000)}1${']'.repeat(5000)};\n    println("" + v.len);\n    let p: i32 = ${'('.repeat(100000)}2${')'.repeat(100000)};\n    println("" + p);`), '1\n2\n');
  });

  it(`nesting beyond ${MAX_NESTING} levels is a compile error naming the line, from build and run`, () => {
    const f = path.join(tmp, 'deep.asthra');
    fs.writeFileSync(f, main(`    let mut x: i32 = 0;\n${'{ '.repeat(MAX_NESTING + 100)}x = 1;${' }'.repeat(MAX_NESTING + 100)}`));
    for (const cmd of ['build', 'run']) {
      const r = asthra([cmd, f]);
      expect(r.status, r.stderr.slice(0, 300)).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: error: nesting deeper than ${MAX_NESTING} levels\\n`));
      expect(r.stderr.length).to.be.lessThan(1000);
    }
  });
});
