// The native tier translates a function once it is hot (vm/native.ts compileNative): before that
// its entry spills, and the interpreter runs the call.
'use strict';
const { expect } = require('chai');
const { compile } = require('../dist/compiler/compile');
const { compileNative, HOT_CALLS, PARK_TRIAL, Unwind } = require('../dist/vm/native');
const { OPS, forEachInstruction } = require('../dist/bytecode/opcodes');

const SOURCE = `package main;
fn add3(a: i64, b: i64, c: i64) -> i64 { return a + b + c; }
fn twice(x: i64) -> i64 { return add3(x, x, 0); }
fn job(x: i64) -> i64 { return x; }
fn starts(x: i64) -> i64 { spawn job(x); return x; }
fn drain(ch: Channel<i64>) -> i64 { let mut s: i64 = 0; for v in ch { s = s + v; } return s; }
pub fn main(void) -> void { println("" + twice(2) + starts(1)); }
`;

function tier(hotCalls) {
  const m = compile(SOURCE, 'hot.asthra');
  const heap = new Float64Array(64);
  const ctx = { f64: heap, i32: new Int32Array(heap.buffer), u8: new Uint8Array(heap.buffer), budget: 1e9, globalBase: 0, outOfBudget: () => false };
  // a channel whose receives give the values in `chan.values`, then -1 (must wait) or, with
  // chan.closed, 0 (closed)
  const chan = { values: [], closed: false };
  const chanValue = new Float64Array(1);
  const chanRecv = () => {
    if (chan.values.length > 0) {
      chanValue[0] = chan.values.shift();
      return 1;
    }
    return chan.closed ? 0 : -1;
  };
  const rt = { externFns: [], strRefs: new Float64Array(m.strings.length), unitRefs: new Float64Array(m.shapes.length), concatValues: [], chanRecv, chanValue };
  const code = compileNative(m, ctx, rt, undefined, hotCalls);
  const index = (name) => m.functions.findIndex((f) => f.name === name);
  const pcOf = (fn, name) => {
    let at = -1;
    forEachInstruction(m.functions[fn].code, (pc) => {
      if (at < 0 && OPS[m.functions[fn].code[pc]].name === name) at = pc;
    });
    return at;
  };
  return { code, heap, ctx, chan, pcOf, nlocals: (fn) => m.functions[fn].nlocals, add3: index('add3'), twice: index('twice'), starts: index('starts'), drain: index('drain') };
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
    const { code, heap, add3 } = tier();
    expect(code.isLeader(add3, 0)).to.equal(true);
    expect(code.resumes[add3](0, [1, 2, 3], [])).to.equal(6);
  });

  it('runs a function natively at its first call with --native-hot 1', () => {
    const { code, heap, twice } = tier(1);
    heap[8] = 4;
    expect(code.entries[twice](heap, 8)).to.equal(8);
  });

  it('never calls a function that spawns natively, but resumes it and spills at the spawn', () => {
    const { code, heap, ctx, pcOf, starts } = tier(1);
    heap[8] = 1;
    expectEntrySpill(() => code.entries[starts](heap, 8));
    expect(code.entries[starts]).to.equal(null);
    expect(code.resumes[starts]).to.not.equal(null);
    expect(code.isLeader(starts, 0)).to.equal(true);
    // the outermost native frame spills by returning, with the frame before the SPAWN
    expect(code.resumes[starts](0, [1], [])).to.equal(0);
    expect(ctx.spilled).to.be.instanceOf(Unwind);
    expect(ctx.spilled.frames.map((f) => [f.fn, f.pc, f.resume, f.locals])).to.deep.equal([[starts, pcOf(starts, 'SPAWN'), true, [1]]]);
  });

  it('receives from a channel natively, and spills at a receive that must wait', () => {
    const { code, heap, ctx, chan, pcOf, drain } = tier(1);
    const recv = pcOf(drain, 'CHAN_RECV');
    heap[8] = 16; // the channel (the mock ignores it)
    chan.values = [1, 2, 3];
    expect(code.entries[drain](heap, 8)).to.equal(0);
    const frame = ctx.spilled.frames[0];
    expect([frame.fn, frame.pc, frame.locals[1]]).to.deep.equal([drain, recv, 6]);
    // resumed there once values came and the channel closed: the sum of all of them
    ctx.spilled = null;
    chan.values = [4];
    chan.closed = true;
    expect(code.isLeader(drain, recv)).to.equal(true);
    expect(code.resumes[drain](recv, frame.locals, frame.stack)).to.equal(10);
    expect(ctx.spilled).to.equal(null);
  });

  it('stops resuming a function at park points where it mostly parks again at once', () => {
    const { code, ctx, pcOf, nlocals, drain } = tier(1);
    const recv = pcOf(drain, 'CHAN_RECV');
    // the frame at the receive: the locals (the channel first), and the channel pushed
    const locals = [16, ...new Array(nlocals(drain) - 1).fill(0)];
    expect(code.isLeader(drain, recv)).to.equal(true);
    for (let k = 1; k < PARK_TRIAL; k++) {
      code.resumes[drain](recv, locals, [16]);
      expect(ctx.spilled.frames[0].pc).to.equal(recv);
      ctx.spilled = null;
      if (k < PARK_TRIAL - 1) expect(code.isLeader(drain, recv)).to.equal(true);
    }
    expect(code.isLeader(drain, recv)).to.equal(false);
    // loop headers still are
    expect(code.isLeader(drain, 0)).to.equal(true);
  });
});
