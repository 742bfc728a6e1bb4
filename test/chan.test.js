// Channels and select (scheduler/chan.ts, select.ts) driven directly on one worker's scheduler:
// FIFO buffers, unbuffered hand-off, close, select's choice, parking on several channels with
// exactly one arm winning, and cancellation of a parked receive and select. The same behaviour
// through the language is in spec-tests/channels/.
'use strict';
const { expect } = require('chai');
const { Arena } = require('../dist/heap/arena');
const { LOCAL_QUEUE_BYTES } = require('../dist/scheduler/runq');
const { Scheduler, spawnMain } = require('../dist/scheduler/scheduler');
const { hw } = require('../dist/scheduler/handle');
const { newInjectRing } = require('../dist/scheduler/inject');
const { stackSlot0, fw } = require('../dist/scheduler/fiber');

const META = { WORKERS: 177, LOCALQ0: 208, INJECT: 224 };
const FNS = [{ nlocals: 4, maxStack: 8, name: 'main', retKind: 0 }, { nlocals: 4, maxStack: 8, name: 't', retKind: 0 }];
const F_STATE = 1;
const BLOCKED = 2;
const RUNNING = 1;

function world() {
  const arena = new Arena(4 << 20, 64 << 20);
  arena.i32[META.WORKERS] = 1;
  arena.i32[META.LOCALQ0] = arena.alloc(5, LOCAL_QUEUE_BYTES);
  arena.i32[META.INJECT] = newInjectRing(arena);
  spawnMain(arena, 0, FNS[0]);
  const s = new Scheduler(arena, 7, 0, FNS);
  const task = () => {
    const h = s.spawn(1, 0, 0, true);
    return { h, f: arena.i32[hw(h, 9)] };
  };
  const drain = () => {
    const out = [];
    for (let f = s.queues.next(); f !== 0; f = s.queues.next()) out.push(f);
    return out;
  };
  /** the fiber's first stack slot (where a test puts operands) */
  const slot = (f, k = 0) => stackSlot0(arena.i32, f) + k;
  /** what running the fiber again does: it was woken, and now re-executes its instruction */
  const resume = (f) => { arena.i32[fw(f, F_STATE)] = RUNNING; };
  return { arena, s, task, drain, slot, resume };
}

describe('channels (chan.ts)', () => {
  it('buffer values in FIFO order up to the capacity, then make the sender wait for room', () => {
    const { arena, s, task, drain, slot, resume } = world();
    const ch = s.chanNew(2, 0, 0, 0);
    const p = task().f;
    const c = task().f;
    drain();
    for (const [k, v] of [[0, 10], [1, 20], [2, 30]]) arena.f64[slot(p, k)] = v;
    expect(s.chanSend(p, ch, slot(p, 0))).to.equal(0);
    expect(s.chanSend(p, ch, slot(p, 1))).to.equal(0);
    expect(s.chans.len(ch)).to.equal(2);
    expect(s.chanSend(p, ch, slot(p, 2)), 'full: parks').to.equal(-1);
    expect(arena.i32[fw(p, F_STATE)]).to.equal(BLOCKED);
    expect(s.chanRecv(c, ch)).to.equal(true);
    expect([s.chans.value, s.chans.ok]).to.deep.equal([10, 1]);
    expect(drain(), 'the sender got room').to.deep.equal([p]);
    resume(p);
    expect(s.chanSend(p, ch, slot(p, 2)), 'its send completed').to.equal(0);
    const got = [];
    while (s.chans.len(ch) > 0) { s.chanRecv(c, ch); got.push(s.chans.value); }
    expect(got).to.deep.equal([20, 30]);
  });

  it('hand a value over unbuffered only when a receiver takes it, and report close to everyone', () => {
    const { arena, s, task, drain, slot, resume } = world();
    const ch = s.chanNew(0, 0, 0, 0);
    const r1 = task().f;
    const r2 = task().f;
    const p = task().f;
    drain();
    expect(s.chanRecv(r1, ch), 'nothing yet').to.equal(false);
    expect(s.chanRecv(r2, ch)).to.equal(false);
    arena.f64[slot(p)] = 42;
    expect(s.chanSend(p, ch, slot(p)), 'a receiver waits: no park').to.equal(0);
    expect(drain()).to.deep.equal([r1]);
    resume(r1);
    expect(s.chanRecv(r1, ch)).to.equal(true);
    expect([s.chans.value, s.chans.ok]).to.deep.equal([42, 1]);
    expect(s.chans.close(ch)).to.equal(0);
    expect(s.chans.close(ch), 'twice').to.equal(1);
    expect(drain()).to.deep.equal([r2]);
    resume(r2);
    expect(s.chanRecv(r2, ch)).to.equal(true);
    expect(s.chans.ok, 'closed: None').to.equal(0);
    expect(s.chanSend(p, ch, slot(p)), 'send on closed').to.equal(1);
  });

  it('treat a new task\'s first send as a send, whatever the memory its fiber block reuses held', () => {
    const { arena, s, task, drain, slot } = world();
    const ch = s.chanNew(4, 0, 0, 0);
    // blocks are not zero-filled: leave words that look like a finished wait where the next
    // fiber block will be carved (its own waiter record's DONE among them)
    const top = arena.top;
    arena.i32.fill(1, top >>> 2, (top >>> 2) + 4096);
    const p = task().f;
    drain();
    arena.f64[slot(p)] = 77;
    expect(s.chanSend(p, ch, slot(p))).to.equal(0);
    expect(s.chans.len(ch), 'the value is in the buffer').to.equal(1);
  });

  it('cancel a task parked in a receive: it wakes and sees the channel closed', () => {
    const { s, task, drain, resume } = world();
    const ch = s.chanNew(0, 0, 0, 0);
    const { h, f } = task();
    drain();
    expect(s.chanRecv(f, ch)).to.equal(false);
    s.cancel(h);
    expect(drain()).to.deep.equal([f]);
    resume(f);
    expect(s.chanRecv(f, ch)).to.equal(true);
    expect(s.chans.ok).to.equal(0);
  });
});

describe('select (select.ts)', () => {
  it('takes a ready arm, or default when none is, without parking', () => {
    const { arena, s, task, drain, slot } = world();
    const a = s.chanNew(1, 0, 0, 0);
    const b = s.chanNew(1, 0, 0, 0);
    const f = task().f;
    drain();
    arena.f64[slot(f, 0)] = a;
    arena.f64[slot(f, 1)] = b;
    expect(s.select(f, 'ccd', slot(f, 0))).to.equal(true);
    expect(s.selector.arm, 'default').to.equal(2);
    arena.f64[slot(f, 5)] = 9;
    expect(s.chanSend(f, b, slot(f, 5))).to.equal(0);
    expect(s.select(f, 'ccd', slot(f, 0))).to.equal(true);
    expect([s.selector.arm, s.selector.num, s.selector.status]).to.deep.equal([1, 9, 1]);
  });

  it('chooses each of two always-ready arms about half the time', () => {
    const { arena, s, task, drain, slot } = world();
    const a = s.chanNew(1, 0, 0, 0);
    const b = s.chanNew(1, 0, 0, 0);
    const f = task().f;
    drain();
    s.chans.close(a);
    s.chans.close(b);
    arena.f64[slot(f, 0)] = a;
    arena.f64[slot(f, 1)] = b;
    const n = [0, 0];
    for (let k = 0; k < 10000; k++) {
      s.select(f, 'cc', slot(f, 0));
      n[s.selector.arm]++;
    }
    expect(n[0]).to.be.within(4000, 6000);
  });

  it('parks on every arm; the first sender wins and the other records come off their queues', () => {
    const { arena, s, task, drain, slot, resume } = world();
    const a = s.chanNew(0, 0, 0, 0);
    const b = s.chanNew(0, 0, 0, 0);
    const f = task().f;
    const p = task().f;
    const q = task().f;
    drain();
    arena.f64[slot(f, 0)] = a;
    arena.f64[slot(f, 1)] = b;
    expect(s.select(f, 'cc', slot(f, 0)), 'parks').to.equal(false);
    arena.f64[slot(p)] = 5;
    arena.f64[slot(q)] = 6;
    expect(s.chanSend(p, b, slot(p)), 'b\'s receiver is the select').to.equal(0);
    expect(s.chanSend(q, a, slot(q)), 'the select already won: q waits').to.equal(-1);
    expect(drain()).to.deep.equal([f]);
    resume(f);
    expect(s.select(f, 'cc', slot(f, 0))).to.equal(true);
    expect([s.selector.arm, s.selector.num, s.selector.status]).to.deep.equal([1, 5, 1]);
    // a's queue holds only q now: a receive takes q's value
    const r = task().f;
    drain();
    expect(s.chanRecv(r, a)).to.equal(true);
    expect(s.chans.value).to.equal(6);
  });

  it('times out with after, and a cancelled select sees its channels closed', () => {
    const { arena, s, task, drain, slot, resume } = world();
    const a = s.chanNew(0, 0, 0, 0);
    const f = task().f;
    drain();
    arena.f64[slot(f, 0)] = a;
    arena.f64[slot(f, 1)] = 5; // after(5)
    expect(s.select(f, 'ct', slot(f, 0))).to.equal(false);
    const until = performance.now() + 8;
    while (performance.now() < until);
    s.fireTimers();
    expect(drain()).to.deep.equal([f]);
    resume(f);
    expect(s.select(f, 'ct', slot(f, 0))).to.equal(true);
    expect(s.selector.arm, 'the timeout').to.equal(1);
    const { h, f: g } = task();
    drain();
    arena.f64[slot(g, 0)] = a;
    expect(s.select(g, 'c', slot(g, 0))).to.equal(false);
    s.cancel(h);
    expect(drain()).to.deep.equal([g]);
    resume(g);
    expect(s.select(g, 'c', slot(g, 0))).to.equal(true);
    expect([s.selector.arm, s.selector.status], 'as closed').to.deep.equal([0, 0]);
  });
});
