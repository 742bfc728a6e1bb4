// The parking door and what builds on it, driven directly on this thread (and, for the
// injection ring, from other threads): waiter records and their queues, exactly one waker
// winning a fiber that waits on several objects, cancellation taking a fiber off a mutex or a
// timer, the injection ring, external waits keeping the deadlock check quiet, and the events
// a tracer sees.
'use strict';
const { expect } = require('chai');
const path = require('path');
const { Worker } = require('worker_threads');
const { Arena } = require('../dist/heap/arena');
const { LOCAL_QUEUE_BYTES } = require('../dist/scheduler/runq');
const { Scheduler, spawnMain } = require('../dist/scheduler/scheduler');
const { hw, completeHandle, unlinkHandleWaiter } = require('../dist/scheduler/handle');
const { mw, newMutex, mutexLock, mutexUnlock } = require('../dist/scheduler/mutex');
const { ownWaiter, newWaiter, prepareWaiter, enqueue, dequeue, unlink, queueList, ww } = require('../dist/scheduler/waiter');
const { allocFiber, fw, stackSlot0 } = require('../dist/scheduler/fiber');
const { newInjectRing, inject, take, release, newInjected, INJECT_CAP } = require('../dist/scheduler/inject');
const { compile } = require('../dist/compiler/compile');
const { runModule } = require('../dist/runtime/run');

// numbers of const enums (inlined by tsc, so not exported at run time)
const META = { WORKERS: 177, LOCALQ0: 208, INJECT: 224, EXTERNAL: 225, SLEEPERS: 176, GLOBAL_LEN: 144 };
const TAG_STACK = 5;
const F = { ID: 0, STATE: 1, WAKE: 17, CANCEL: 18 };
const STATE = { Runnable: 0, Running: 1, Blocked: 2, Done: 3 };
const WAIT = { Task: 1, Mutex: 2, Timer: 3, Select: 4, External: 5 };
const H = { HEAD: 2, FIBER: 9 };
const M = { OWNER: 0, HEAD: 1 };
const W = { OBJ: 3 };
const SLICE = { Done: 0, Preempted: 1, Blocked: 2, Yielded: 3 };
const MUTEX_CANCELLED = 5;

const FNS = [
  { nlocals: 2, maxStack: 4, name: 'main', retKind: 0 },
  { nlocals: 2, maxStack: 4, name: 'task', retKind: 0 },
];

/** One worker's scheduler over a fresh arena, with a runner that calls `script(fiber)` for each slice. */
function world(script = () => SLICE.Done) {
  const arena = new Arena(4 << 20, 64 << 20);
  arena.i32[META.WORKERS] = 1;
  arena.i32[META.LOCALQ0] = arena.alloc(TAG_STACK, LOCAL_QUEUE_BYTES);
  arena.i32[META.INJECT] = newInjectRing(arena);
  const mainHandle = spawnMain(arena, 0, FNS[0]);
  const s = new Scheduler(arena, null, 0, FNS);
  const reports = [];
  s.reporter = {
    taskFailed: (...a) => reports.push(['failed', ...a]),
    fatal: (e) => { throw e; },
    deadlock: (fibers) => reports.push(['deadlock', fibers.length]),
    errText: () => null,
    describeTrap: () => null,
  };
  s.runner = { sliceResult: 0, runSlice: (fiber) => script(fiber) };
  return { arena, s, reports, mainHandle, fiberOf: (h) => arena.i32[hw(h, H.FIBER)] };
}

/** The fibers on the (one worker's, global) run queue, taken off it. */
function drainQueue(s) {
  const out = [];
  for (let f = s.queues.next(); f !== 0; f = s.queues.next()) out.push(f);
  return out;
}

describe('waiter records (waiter.ts)', () => {
  it('queue in FIFO order, and come off the middle, the front and the back', () => {
    const arena = new Arena(1 << 20, 8 << 20);
    const obj = arena.alloc(TAG_STACK, 16);
    const head = (obj + 16) >>> 2; // two words of the block: head, tail
    const ws = [0, 1, 2, 3].map(() => ownWaiter(arena.i32, allocFiber(arena, 4, 16)));
    for (const w of ws) {
      prepareWaiter(arena.i32, w, obj, WAIT.Task, -1, 0);
      enqueue(arena.i32, head, w);
    }
    expect(queueList(arena.i32, head)).to.deep.equal(ws);
    unlink(arena.i32, head, ws[2]);
    expect(arena.i32[ww(ws[2], W.OBJ)], 'off every queue').to.equal(0);
    expect(queueList(arena.i32, head)).to.deep.equal([ws[0], ws[1], ws[3]]);
    expect(dequeue(arena.i32, head)).to.equal(ws[0]);
    unlink(arena.i32, head, ws[3]);
    expect(queueList(arena.i32, head)).to.deep.equal([ws[1]]);
    expect(dequeue(arena.i32, head)).to.equal(ws[1]);
    expect(dequeue(arena.i32, head)).to.equal(0);
    expect(arena.i32[head + 1], 'tail cleared').to.equal(0);
  });
});

describe('the parking door (park.ts)', () => {
  it('lets exactly one waker win a fiber waiting on two handles, and the loser is unlinked', () => {
    const { arena, s, fiberOf } = world();
    const i32 = arena.i32;
    const hA = s.spawn(1, 0, 0, true);
    const hB = s.spawn(1, 0, 0, true);
    const hW = s.spawn(1, 0, 0, true);
    const fW = fiberOf(hW);
    drainQueue(s); // main and the three tasks: none runs in this test
    /** Park fiber f on two handles at once, as a select does; returns its two records. */
    const parkOnBoth = (f, h1, h2) => {
      const w1 = ownWaiter(arena.i32, f);
      const w2 = newWaiter(arena, f);
      s.door.park(f, WAIT.Select, w1);
      prepareWaiter(i32, w1, h1, WAIT.Task, 0, 0);
      enqueue(i32, hw(h1, H.HEAD), w1);
      prepareWaiter(i32, w2, h2, WAIT.Task, 1, 0);
      enqueue(i32, hw(h2, H.HEAD), w2);
      return [w1, w2];
    };
    // fW waits on both handles at once: its own record on A, a WAITER block on B
    parkOnBoth(fW, hA, hB);
    expect(i32[fw(fW, F.STATE)]).to.equal(STATE.Blocked);
    // both complete; only the first wakes it
    completeHandle(s.door, hA, 1, 10, false);
    expect(i32[fw(fW, F.STATE)]).to.equal(STATE.Runnable);
    completeHandle(s.door, hB, 1, 20, false);
    expect(drainQueue(s), 'queued once').to.deep.equal([fW]);
    // a select that wins takes its other records back
    const fV = fiberOf(s.spawn(1, 0, 0, true));
    const hC = s.spawn(1, 0, 0, true);
    const hD = s.spawn(1, 0, 0, true);
    drainQueue(s);
    const [, vD] = parkOnBoth(fV, hC, hD);
    completeHandle(s.door, hC, 1, 0, false);
    unlinkHandleWaiter(s.door, hD, vD);
    expect(queueList(i32, hw(hD, H.HEAD)), 'loser removed').to.deep.equal([]);
    expect(drainQueue(s)).to.deep.equal([fV]);
  });

  it('cancels a task parked on a mutex: woken with Cancelled, off the FIFO, and the mutex still hands over', () => {
    const { arena, s, fiberOf } = world();
    const i32 = arena.i32;
    const m = newMutex(arena);
    const fHolder = fiberOf(s.spawn(1, 0, 0, true));
    const hA = s.spawn(1, 0, 0, true);
    const hB = s.spawn(1, 0, 0, true);
    const fA = fiberOf(hA);
    const fB = fiberOf(hB);
    drainQueue(s);
    const slotA = stackSlot0(i32, fA);
    const slotB = stackSlot0(i32, fB);
    expect(mutexLock(s.door, fHolder, m, stackSlot0(i32, fHolder))).to.equal(0);
    expect(mutexLock(s.door, fA, m, slotA), 'A parks').to.equal(-1);
    expect(mutexLock(s.door, fB, m, slotB), 'B parks').to.equal(-1);
    expect(queueList(i32, mw(m, M.HEAD))).to.deep.equal([ownWaiter(arena.i32, fA), ownWaiter(arena.i32, fB)]);
    s.cancel(hA);
    expect(arena.f64[slotA], 'A\'s lock returns Cancelled').to.equal(MUTEX_CANCELLED);
    expect(queueList(i32, mw(m, M.HEAD))).to.deep.equal([ownWaiter(arena.i32, fB)]);
    expect(drainQueue(s)).to.deep.equal([fA]);
    // the holder's unlock hands over to B, and B's to nobody
    expect(mutexUnlock(s.door, fHolder, m)).to.equal(0);
    expect(arena.f64[slotB]).to.equal(0);
    expect(drainQueue(s)).to.deep.equal([fB]);
    expect(i32[mw(m, M.OWNER)], 'B owns it').to.equal(i32[fw(fB, F.ID)] + 1);
    expect(mutexUnlock(s.door, fB, m)).to.equal(0);
    expect(i32[mw(m, M.OWNER)], 'free').to.equal(0);
    // a cancelled task's next lock fails at once
    expect(mutexLock(s.door, fA, m, slotA)).to.equal(MUTEX_CANCELLED);
  });

  it('cancels a sleeping task: woken at once, uncounted from the sleepers, its timer entry stale', () => {
    const { arena, s, fiberOf } = world();
    const i32 = arena.i32;
    const h = s.spawn(1, 0, 0, true);
    const f = fiberOf(h);
    drainQueue(s);
    expect(s.sleep(f, 10)).to.equal(true);
    expect(i32[META.SLEEPERS]).to.equal(1);
    s.cancel(h);
    expect(i32[META.SLEEPERS]).to.equal(0);
    expect(drainQueue(s)).to.deep.equal([f]);
    // the entry fires later and finds the park over: nothing is woken twice
    i32[fw(f, F.STATE)] = STATE.Running;
    const until = performance.now() + 15;
    while (performance.now() < until);
    s.fireTimers();
    expect(drainQueue(s), 'stale timer').to.deep.equal([]);
    // a cancelled task does not sleep at all; cancelling a finished task does nothing
    expect(s.sleep(f, 10)).to.equal(false);
    completeHandle(s.door, h, 1, 0, false);
    expect(() => s.cancel(h)).to.not.throw();
  });
});

describe('the injection ring (inject.ts)', () => {
  it('passes every record from three producer threads to two consumers exactly once, through a full ring', async function () {
    this.timeout(20000);
    const arena = new Arena(4 << 20, 64 << 20);
    arena.i32[META.INJECT] = newInjectRing(arena);
    const PER = 5000;
    const src = `
      const { workerData, parentPort } = require('worker_threads');
      const { inject } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'scheduler', 'inject.js'))});
      const i32 = new Int32Array(workerData.sab);
      const f64 = new Float64Array(workerData.sab);
      for (let k = 0; k < ${PER}; k++) inject(i32, f64, 2, workerData.id, k, [workerData.id * 1e6 + k, 0.5]);
      parentPort.postMessage('done');`;
    const producers = [1, 2, 3].map((id) => new Worker(src, { eval: true, workerData: { sab: arena.sab, id } }));
    const done = producers.map((w) => new Promise((resolve, reject) => { w.on('message', resolve); w.on('error', reject); }));
    const seen = new Map([[1, []], [2, []], [3, []]]);
    const r = newInjected();
    const ring = arena.i32[META.INJECT];
    let finished = 0;
    done.forEach((p) => p.then(() => finished++));
    let total = 0;
    while (total < 3 * PER) {
      take(arena.i32, ring, r);
      if (r.kind === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      expect(arena.f64[r.args]).to.equal(r.target * 1e6 + r.arg);
      expect(arena.f64[r.args + 1]).to.equal(0.5);
      seen.get(r.target).push(r.arg);
      release(arena.i32, r);
      total++;
    }
    await Promise.all(done);
    for (const [, ks] of seen) expect(ks, 'each producer\'s records in order, none lost').to.deep.equal([...Array(PER).keys()]);
    take(arena.i32, ring, r);
    expect(r.kind, 'empty at the end').to.equal(0);
    expect(PER, 'more records than cells: producers waited for room').to.be.greaterThan(INJECT_CAP);
    await Promise.all(producers.map((w) => w.terminate()));
  });

  it('wakes a fiber parked on an external wait and starts injected tasks; no deadlock is reported meanwhile', async function () {
    this.timeout(20000);
    const ran = [];
    let first = true;
    let thread;
    const { arena, s, reports } = world((fiber) => {
      const id = arena.i32[fw(fiber, F.ID)];
      if (id === 0 && first) {
        first = false;
        const seq = s.parkExternal(fiber);
        // a thread that is not a worker completes the wait 100 ms later (past an idle wait of
        // 50 ms, when a deadlock check runs), after asking for a task
        thread = new Worker(`
          const { workerData } = require('worker_threads');
          const { inject } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'scheduler', 'inject.js'))});
          const i32 = new Int32Array(workerData.sab);
          const f64 = new Float64Array(workerData.sab);
          Atomics.wait(i32, 1023, 0, 100);
          inject(i32, f64, 2, 1, 1, [77]);
          inject(i32, f64, 1, workerData.fiber, workerData.seq);`, { eval: true, workerData: { sab: arena.sab, fiber, seq } });
        return SLICE.Blocked;
      }
      ran.push(id === 0 ? 'main' : `task(${arena.f64[stackSlot0(arena.i32, fiber)]})`);
      return SLICE.Done;
    });
    s.loop();
    expect(reports).to.deep.equal([]);
    expect(ran).to.deep.equal(['task(77)', 'main']);
    expect(arena.i32[META.EXTERNAL]).to.equal(0);
    await thread.terminate();
  });
});

describe('scheduler events (events.ts)', () => {
  it('reports spawns, slices, parks with their reason, wake-ups and collections', () => {
    const src = `
fn child(x: int) -> int { Asthra_runtime.sleep(1); return x * 2; }
pub fn main(void) -> void {
    let h: TaskHandle<int> = spawn_with_handle child(21);
    let xs: []string = [];
    for i in range(0, 200) { xs.push("s" + i); }
    let r: int = await h;
    if r != 42 { panic("wrong result"); }
}`;
    const m = compile(src, 'events.asthra');
    const log = [];
    const events = {
      spawn: (task, fn) => log.push(`spawn ${task} ${m.functions[fn].name}`),
      sliceStart: (task) => log.push(`start ${task}`),
      sliceEnd: (task, end) => log.push(`end ${task} ${end}`),
      park: (task, kind) => log.push(`park ${task} ${kind}`),
      ready: (task) => log.push(`ready ${task}`),
      steal: () => log.push('steal'),
      globalTake: () => log.push('take'),
      idle: () => {},
      gcStart: () => log.push('gc'),
      gcEnd: () => log.push('gc end'),
    };
    const code = runModule(m, { args: [], maxHeapBytes: 64 << 20, gcTorture: true, events });
    expect(code).to.equal(0);
    const kinds = log.filter((e) => !e.startsWith('gc'));
    expect(kinds).to.include('spawn 1 child');
    expect(kinds).to.include(`park 0 ${WAIT.Task}`);
    expect(kinds).to.include(`park 1 ${WAIT.Timer}`);
    expect(kinds.indexOf('ready 1')).to.be.greaterThan(kinds.indexOf(`park 1 ${WAIT.Timer}`));
    expect(kinds.indexOf('ready 0')).to.be.greaterThan(kinds.indexOf(`end 1 ${SLICE.Done}`));
    expect(kinds[kinds.length - 1]).to.equal(`end 0 ${SLICE.Done}`);
    expect(log.filter((e) => e === 'gc').length, 'collections').to.be.greaterThan(0);
    expect(log.filter((e) => e === 'gc').length).to.equal(log.filter((e) => e === 'gc end').length);
  });
});
