// Function values in bytecode: closure shapes survive an .astb round trip, the verifier rejects
// closure shapes and CALL_CLOSURE signatures that could not run, and a file whose closure runs a
// function of another signature stops with a runtime error, never a crash.
'use strict';
const { expect } = require('chai');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { compile } = require('../dist/compiler/compile');
const { readAstb, writeAstb } = require('../dist/bytecode/astb');
const { OPS } = require('../dist/bytecode/opcodes');
const { verifyModule, VerifyError } = require('../dist/bytecode/verify');

const CLI = path.join(__dirname, '..', 'bin', 'asthra');
const CALL_CLOSURE = OPS.findIndex((o) => o.name === 'CALL_CLOSURE');

const SOURCE = `package main;
fn apply(f: fn(i32) -> i32, x: i32) -> i32 {
    return f(x);
}
pub fn main() -> void {
    let k: i32 = 5;
    let add = fn(x: i32) -> i32 { return x + k; };
    let two = fn(a: i32, b: i32) -> i32 { return a * b; };
    log(apply(add, 1));
    log(two(3, 4));
    return;
}
`;

const closureShapes = (m) => m.shapes.map((s, i) => [i, s]).filter(([, s]) => s.fn !== undefined);
const fnNamed = (m, part) => m.functions.findIndex((f) => f.name.includes(part));

let tmp;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-closures-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function exec(m, name) {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, writeAstb(m));
  const r = spawnSync(process.execPath, [CLI, 'exec', f], { encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  return r;
}

describe('closures in bytecode', () => {
  it('keeps each closure shape and its function through an .astb round trip, and runs the file', () => {
    const m = compile(SOURCE, 'c.asthra');
    const shapes = closureShapes(m);
    expect(shapes.length).to.equal(2);
    const back = readAstb(writeAstb(m));
    expect(closureShapes(back).map(([i, s]) => [i, s.fn, [...s.refs]])).to.deep.equal(shapes.map(([i, s]) => [i, s.fn, [...s.refs]]));
    expect(() => verifyModule(back)).to.not.throw();
    const r = exec(m, 'ok.astb');
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('6\n12\n');
  });

  it('names each closure after the function that makes it and its position', () => {
    const m = compile(SOURCE, 'c.asthra');
    expect(m.functions.map((f) => f.name)).to.include.members(['main.<closure at 7:15>', 'main.<closure at 8:15>']);
  });

  it('rejects a closure shape whose function does not exist or is the entry', () => {
    for (const fn of [999, 0]) {
      const m = compile(SOURCE, 'c.asthra');
      closureShapes(m)[0][1].fn = fn;
      expect(() => verifyModule(m)).to.throw(VerifyError, /closure shape \d+ .*: function \d+ does not exist/);
    }
  });

  it('rejects a closure shape whose fields do not match its function\'s first parameters', () => {
    const m = compile(SOURCE, 'c.asthra');
    const [, s] = closureShapes(m).find(([, x]) => x.refs.length === 1);
    s.refs = Uint8Array.from([1]);
    s.fields = ['s'];
    expect(() => verifyModule(m)).to.throw(VerifyError, /field 0 is a reference, parameter 1 of 'main.<closure at 7:15>' a number/);
  });

  it('rejects a malformed CALL_CLOSURE signature and an argument count that differs from it', () => {
    const m = compile(SOURCE, 'c.asthra');
    const apply = m.functions[fnNamed(m, 'apply')];
    const pc = apply.code.indexOf(CALL_CLOSURE);
    expect(pc).to.be.greaterThan(-1);
    const sig = apply.code[pc + 1];
    m.strings[sig] = 'n;n';
    expect(() => verifyModule(m)).to.throw(VerifyError, /CALL_CLOSURE signature 'n;n' is not argument kinds/);
    m.strings[sig] = 'n:n';
    apply.code[pc + 2] = 2;
    expect(() => verifyModule(m)).to.throw(VerifyError, /CALL_CLOSURE passes 2 arguments, its signature 'n:n' 1/);
  });

  it('stops with a runtime error when a closure would run a function of another signature', () => {
    const m = compile(SOURCE.replace('x + k', 'x + 5'), 'c.asthra');
    // `two` (n n -> n) put where `add`'s shape runs: the same field kinds (none), so it
    // verifies, but apply's CALL_CLOSURE names n:n|n,n
    const twoFn = fnNamed(m, '<closure at 8:15>');
    const [, addShape] = closureShapes(m).find(([, s]) => s.fn === fnNamed(m, '<closure at 7:15>'));
    addShape.fn = twoFn;
    expect(() => verifyModule(m)).to.not.throw();
    const r = exec(m, 'bad-sig.astb');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/^runtime error: CALL_CLOSURE of a value that is not a function of signature 'n:n\|n,n' \(the file is corrupt/);
    expect(r.stderr).to.match(/at apply/);
  });
});
