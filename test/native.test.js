// The native tier translates a function once it is hot (vm/native.ts compileNative): before that
// its entry spills, and the interpreter runs the call.
'use strict';
const { expect } = require('chai');
const { compile } = require('../dist/compiler/compile');
const { compileNative, HOT_CALLS, Unwind } = require('../dist/vm/native');

const SOURCE = `package main;
fn add3(a: i64, b: i64, c: i64) -> i64 { return a + b + c; }
fn twice(x: i64) -> i64 { return add3(x, x, 0); }
fn job(x: i64) -> i64 { return x; }
fn starts(x: i64) -> i64 { spawn job(x); return x; }
pub fn main(void) -> void { println("" + twice(2) + starts(1)); }
`;

function tier(hotCalls) {
  const m = compile(SOURCE, 'hot.asthra');
  const heap = new Float64Array(64);
  const ctx = { f64: heap, i32: new Int32Array(heap.buffer), u8: new Uint8Array(heap.buffer), budget: 1e9, globalBase: 0, outOfBudget: () => false };
  const rt = { externFns: [], strRefs: new Float64Array(m.strings.length), unitRefs: new Float64Array(m.shapes.length), concatValues: [] };
  const code = compileNative(m, ctx, rt, undefined, hotCalls);
  const index = (name) => m.functions.findIndex((f) => f.name === name);
  return { code, heap, add3: index('add3'), twice: index('twice'), starts: index('starts') };
}

/** The call spills at the function's entry: the interpreter is to run it. */
function expectEntrySpill(call) {
  let thrown = null;
  try {
    call();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).to.be.instanceOf(Unwind);
  expect(thrown.kind).to.equal('spill');
  expect(thrown.entry).to.equal(true);
}

describe('the native tier', () => {
  it(`spills at the entry of a function for its first ${HOT_CALLS - 1} call(s), then runs it natively`, () => {
    const { code, heap, add3 } = tier();
    heap.set([1, 2, 39], 8);
    for (let k = 1; k < HOT_CALLS; k++) expectEntrySpill(() => code.entries[add3](heap, 8));
    expect(code.entries[add3](heap, 8)).to.equal(42);
    expect(code.entries[add3](heap, 8)).to.equal(42);
  });

  it('translates a callee at its first call from native code', () => {
    const { code, heap, twice } = tier();
    heap[8] = 21;
    for (let k = 1; k < HOT_CALLS; k++) expect(() => code.entries[twice](heap, 8)).to.throw();
    expect(code.entries[twice](heap, 8)).to.equal(42);
  });

  it('resumes a frame at a block leader through the same function', () => {
    const { code, add3 } = tier();
    expect(code.isLeader(add3, 0)).to.equal(true);
    expect(code.resumes[add3](0, [1, 2, 3], [])).to.equal(6);
  });

  it('runs a function natively at its first call with --native-hot 1', () => {
    const { code, heap, twice } = tier(1);
    heap[8] = 4;
    expect(code.entries[twice](heap, 8)).to.equal(8);
  });

  it('leaves a hot function that does not qualify (it spawns) to the interpreter for good', () => {
    const { code, heap, starts } = tier(1);
    heap[8] = 1;
    expectEntrySpill(() => code.entries[starts](heap, 8));
    expect(code.entries[starts]).to.equal(null);
    expect(code.resumes[starts]).to.equal(null);
    expect(code.isLeader(starts, 0)).to.equal(false);
  });
});
