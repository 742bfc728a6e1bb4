// The local run queue (src/scheduler/runq.ts) driven directly, one LocalQueues per worker over one
// arena, on this thread: FIFO order, what other workers can see and take, and overflow.
'use strict';
const { expect } = require('chai');
const { Arena } = require('../dist/heap/arena');
const { LocalQueues, LOCAL_QUEUE_BYTES, LOCAL_CAP } = require('../dist/scheduler/runq');
const { allocFiber, fw } = require('../dist/scheduler/fiber');

const LOCALQ0 = 208; // Meta.LOCALQ0
const STACK = 5; // Tag.STACK
const NEXT = 11; // F.NEXT

/** `workers` queues over one arena; `spilled` collects what overflows to the global queue. */
function setup(workers = 2) {
  const arena = new Arena(4 << 20, 64 << 20);
  for (let w = 0; w < workers; w++) arena.i32[LOCALQ0 + w] = arena.alloc(STACK, LOCAL_QUEUE_BYTES);
  const spilled = [];
  const qs = Array.from({ length: workers }, (_, w) => new LocalQueues(arena, w, workers, (first, n) => {
    let f = first;
    for (let k = 0; k < n; k++) {
      spilled.push(f);
      f = arena.i32[fw(f, NEXT)];
    }
    expect(f, 'a spilled chain ends after n fibers').to.equal(0);
  }));
  for (const q of qs) q.init();
  const fibers = (n) => Array.from({ length: n }, () => allocFiber(arena, 8, 32));
  return { arena, qs, spilled, fibers };
}

/** Make a queue's fibers look short (its moving average of slice times falls to 0). */
function light(q) {
  for (let k = 0; k < 200; k++) q.noteCost(0);
  expect(q.heavy()).to.equal(false);
}

function drain(q) {
  const out = [];
  for (let f = q.get(); f !== 0; f = q.get()) out.push(f);
  return out;
}

function waitMs(ms) {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('local run queue (runq.ts)', () => {
  it('gives the owner its fibers in FIFO order, published or not', () => {
    const { qs, fibers } = setup();
    const fs = fibers(40); // worth stealing at first: published every 16, the last 8 not
    for (const f of fs) qs[0].put(f);
    expect(qs[0].len(0)).to.equal(40);
    expect(qs[1].len(0), 'published').to.equal(32);
    expect(drain(qs[0])).to.deep.equal(fs);
  });

  it('keeps short fibers out of other workers\' sight until it publishes them', () => {
    const { qs, fibers } = setup();
    light(qs[0]);
    const fs = fibers(20);
    for (const f of fs) qs[0].put(f);
    qs[0].publishIfWorth();
    expect(qs[0].len(0)).to.equal(20);
    expect(qs[1].len(0)).to.equal(0);
    expect(qs[1].steal(0)).to.equal(0);
    expect(drain(qs[0])).to.deep.equal(fs);
  });

  it('lets a thief take short fibers only once their queue has not moved for a while', () => {
    const { qs, fibers } = setup();
    light(qs[0]);
    const fs = fibers(20);
    for (const f of fs) qs[0].put(f);
    qs[0].publish();
    expect(qs[1].len(0)).to.equal(20);
    expect(qs[1].steal(0), 'a queue just seen is not robbed').to.equal(0);
    waitMs(1);
    const first = qs[1].steal(0);
    expect(first, 'a queue stuck for 1 ms is').to.not.equal(0);
    expect(qs[1].lastSteal).to.equal(10);
    const thief = [first, ...drain(qs[1])];
    const owner = drain(qs[0]);
    expect(thief).to.deep.equal(fs.slice(0, 10).slice(-1).concat(fs.slice(0, 9)));
    expect(owner).to.deep.equal(fs.slice(10));
  });

  it('lets a thief take half of a queue of long fibers at once', () => {
    const { qs, fibers } = setup();
    expect(qs[0].heavy()).to.equal(true);
    const fs = fibers(16);
    for (const f of fs) qs[0].put(f);
    const first = qs[1].steal(0);
    expect(first).to.not.equal(0);
    expect(qs[1].lastSteal).to.equal(8);
    const taken = new Set([first, ...drain(qs[1]), ...drain(qs[0])]);
    expect(taken.size).to.equal(16);
    expect([...taken].every((f) => fs.includes(f))).to.equal(true);
  });

  it('judges a queue worth robbing by the majority of its sampled slices, not their mean', () => {
    const { qs } = setup();
    expect(qs[0].heavy(), 'before any sample').to.equal(true);
    // a spawner's long slice now and then among many short tasks
    for (let k = 0; k < 100; k++) qs[0].noteCost(k % 8 === 0 ? 1e6 : 300);
    expect(qs[0].heavy()).to.equal(false);
    // long tasks with a short one now and then
    for (let k = 0; k < 100; k++) qs[0].noteCost(k % 8 === 0 ? 300 : 50000);
    expect(qs[0].heavy()).to.equal(true);
  });

  it('spills the oldest fibers of a full queue to the global queue, losing and repeating none', () => {
    const { qs, spilled, fibers } = setup();
    light(qs[0]);
    const n = 3 * LOCAL_CAP + 37;
    const fs = fibers(n);
    for (const f of fs) qs[0].put(f);
    expect(spilled.length).to.be.greaterThan(0);
    // what spilled is the oldest, in order; what stayed comes after it, in order
    expect([...spilled, ...drain(qs[0])]).to.deep.equal(fs);
  });

  // this found a steal into a full queue reusing the scratch array the stolen fibers were in
  for (const start of [12345, 1, 2024, 77777]) it(`loses and repeats no fiber when thieves and the owners take turns at random (seed ${start})`, () => {
    const { qs, spilled, fibers } = setup(3);
    if (start % 2 === 0) light(qs[1]);
    let seed = start;
    const rand = (k) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    const fs = fibers(2000);
    const seen = [];
    let next = 0;
    while (next < fs.length || qs.some((q, w) => q.len(w) > 0)) {
      const w = rand(3);
      const action = rand(10);
      if (action < 5 && next < fs.length) qs[w].put(fs[next++]);
      else if (action < 7) {
        const f = qs[w].get();
        if (f) seen.push(f);
      } else if (action < 8) qs[w].publish();
      else if (action < 9) {
        const f = qs[w].steal(rand(3));
        if (f) seen.push(f);
      } else if (next >= fs.length) {
        for (const q of qs) seen.push(...drain(q));
      }
    }
    seen.push(...spilled);
    expect(seen.length).to.equal(fs.length);
    expect(new Set(seen).size).to.equal(fs.length);
  });
});
