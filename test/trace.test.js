// asthra run --trace: the Chrome trace-event file, through the real CLI. Its shape (what
// Perfetto and chrome://tracing read), every task of a concurrent program with its slices,
// what each park waited on, a deadlocking and a trapping program still writing it, merging
// when there are too many short slices, C calls on their C thread's track, several workers.
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'asthra');
const PROGRAMS = path.join(__dirname, 'trace-programs');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-trace-'));

/** Run `asthra <args>` in the repository; returns the process result. */
function asthra(args) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
}

/** Run a program of test/trace-programs with --trace; returns the result and the parsed file. */
function traced(name, flags = ['--workers', '1']) {
  const out = path.join(TMP, `${name}-${flags.join('').replace(/[^a-z0-9]/gi, '')}.json`);
  const r = asthra(['run', ...flags, '--trace', out, path.relative(ROOT, path.join(PROGRAMS, `${name}.asthra`))]);
  expect(fs.existsSync(out), `the trace file was written\n${r.stderr}`).to.equal(true);
  return { r, trace: JSON.parse(fs.readFileSync(out, 'utf8')), file: out };
}

/** The line (1-based) of the first source line of program `name` that includes `text`. */
function lineOf(name, text) {
  const lines = fs.readFileSync(path.join(PROGRAMS, `${name}.asthra`), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  expect(i, text).to.be.at.least(0);
  return i + 1;
}

after(() => fs.rmSync(TMP, { recursive: true, force: true }));

const PHASES = new Set(['X', 'i', 's', 'f', 'M']);

/** Every event has the fields its phase needs (the trace-event format's object form). */
function checkSchema(trace) {
  expect(trace).to.have.property('traceEvents').that.is.an('array');
  expect(trace).to.have.property('otherData').that.is.an('object');
  expect(trace.otherData.producer).to.equal('asthra --trace');
  for (const e of trace.traceEvents) {
    expect(PHASES.has(e.ph), `phase of ${JSON.stringify(e)}`).to.equal(true);
    expect(e.name, JSON.stringify(e)).to.be.a('string');
    expect(e.pid, JSON.stringify(e)).to.equal(1);
    expect(Number.isInteger(e.tid), JSON.stringify(e)).to.equal(true);
    if (e.ph === 'M') {
      expect(e.args, JSON.stringify(e)).to.be.an('object');
      continue;
    }
    expect(e.ts, JSON.stringify(e)).to.be.a('number').and.at.least(0);
    expect(e.cat, JSON.stringify(e)).to.be.a('string');
    if (e.ph === 'X') expect(e.dur, JSON.stringify(e)).to.be.a('number').and.at.least(0);
    if (e.ph === 'i') expect(e.s, JSON.stringify(e)).to.equal('t');
    if (e.ph === 's' || e.ph === 'f') expect(Number.isInteger(e.id), JSON.stringify(e)).to.equal(true);
  }
  // every flow that starts ends, once
  const starts = trace.traceEvents.filter((e) => e.ph === 's').map((e) => e.id).sort((a, b) => a - b);
  const ends = trace.traceEvents.filter((e) => e.ph === 'f').map((e) => e.id).sort((a, b) => a - b);
  expect(ends).to.deep.equal([...new Set(ends)]);
  for (const id of ends) expect(starts).to.include(id);
}

const slices = (trace) => trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'task');
const parks = (trace) => trace.traceEvents.filter((e) => e.cat === 'park');

describe('asthra run --trace', () => {
  it('writes a trace-event file in which every task of a concurrent program has its slices', () => {
    const { r, trace } = traced('concurrent');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('total 96 results 36\n');
    checkSchema(trace);
    const byTask = new Map();
    for (const s of slices(trace)) {
      if (!byTask.has(s.args.task)) byTask.set(s.args.task, []);
      byTask.get(s.args.task).push(s);
    }
    expect([...byTask.keys()].sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    const fns = { 0: 'main', 1: 'producer', 2: 'producer', 3: 'sleeper', 4: 'locker', 5: 'locker' };
    for (const [task, runs] of byTask) {
      for (const s of runs) {
        expect(s.args.fn).to.equal(fns[task]);
        expect(s.name).to.equal(`task ${task} ${fns[task]}`);
        expect(s.tid).to.equal(0);
      }
      // a task's runs follow each other, and exactly the last one ends it
      const ends = runs.sort((a, b) => a.ts - b.ts).map((s) => s.args.end);
      expect(ends[ends.length - 1], `task ${task}`).to.equal('done');
      expect(ends.filter((e) => e === 'done').length).to.equal(1);
      for (let k = 1; k < runs.length; k++) expect(runs[k].ts).to.be.at.least(runs[k - 1].ts + runs[k - 1].dur - 0.001);
    }
    // each spawn is an instant on main's track with a flow to the child's first slice
    const spawns = trace.traceEvents.filter((e) => e.cat === 'spawn');
    expect(spawns.map((e) => e.args.task).sort()).to.deep.equal([1, 2, 3, 4, 5]);
    for (const e of spawns) expect(e.args.by).to.equal('task 0');
    expect(trace.traceEvents.filter((e) => e.ph === 'f' && e.name === 'spawn')).to.have.length(5);
    expect(trace.otherData.aggregated).to.equal(null);
    expect(trace.traceEvents.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.tid === 0).args.name).to.equal('worker 0');
  });

  it('records what each park waited on, and who woke the task', () => {
    const { trace } = traced('concurrent');
    const file = 'test/trace-programs/concurrent.asthra';
    const made = `a channel made at ${file}:${lineOf('concurrent', 'Channel::new(0)')}`;
    const ps = parks(trace);
    const of = (task) => ps.filter((p) => p.args.task === task);
    // main receives on the channel, then awaits the tasks
    expect(of(0).some((p) => p.args.reason === 'channel receive' && p.args.on === made)).to.equal(true);
    expect(of(0).some((p) => p.args.reason === 'task' && /^task \d \((producer|sleeper|locker)\)$/.test(p.args.on))).to.equal(true);
    // the producers wait to send on an unbuffered channel, at their send
    for (const t of [1, 2]) {
      expect(of(t).length, `task ${t}`).to.be.at.least(1);
      for (const p of of(t)) {
        expect(p.args.reason).to.equal('channel send');
        expect(p.args.on).to.equal(made);
        expect(p.args.at).to.equal(`${file}:${lineOf('concurrent', 'ch.send(')}`);
      }
    }
    // the sleeper waits for a timer; the second locker for the mutex the first one holds
    expect(of(3).map((p) => p.args.reason)).to.deep.equal(['timer']);
    expect(of(5).map((p) => [p.args.reason, p.args.on, p.args.at])).to.deep.equal([
      ['mutex', 'a mutex held by task 4', `${file}:${lineOf('concurrent', 'mutex_lock(m)')}`],
    ]);
    expect(of(4)).to.have.length(0);
    // every park is followed by the task's wake-up, named by its waker
    const wakes = trace.traceEvents.filter((e) => e.cat === 'wake');
    for (const p of ps) expect(wakes.some((w) => w.args.task === p.args.task && w.ts >= p.ts), JSON.stringify(p)).to.equal(true);
    expect(wakes.filter((w) => w.args.task === 3).map((w) => w.args.by)).to.deep.equal(['a timer']);
    expect(wakes.filter((w) => w.args.task === 5).map((w) => w.args.by)).to.deep.equal(['task 4']);
    for (const w of wakes.filter((x) => x.args.task === 1 || x.args.task === 2)) expect(w.args.by).to.equal('task 0');
  });

  it('still writes the file when the program deadlocks', () => {
    const { r, trace } = traced('deadlock');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('deadlock: all tasks are blocked');
    checkSchema(trace);
    const ps = parks(trace);
    expect(ps.map((p) => [p.args.task, p.args.reason]).sort()).to.deep.equal([[0, 'channel receive'], [1, 'channel receive']]);
    // nobody woke them
    expect(trace.traceEvents.filter((e) => e.cat === 'wake')).to.have.length(0);
    expect(trace.otherData.endUs).to.be.at.least(Math.max(...ps.map((p) => p.ts)));
  });

  it('still writes the file when a task and then main trap', () => {
    const { r, trace } = traced('trap');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('division by zero');
    checkSchema(trace);
    const ss = slices(trace);
    expect(ss.filter((s) => s.args.task === 1).map((s) => s.args.end)).to.deep.equal(['failed']);
    expect(ss.filter((s) => s.args.task === 0).map((s) => s.args.end).pop()).to.equal('failed');
  });

  it('merges short slices past its limit, and says so in the metadata', () => {
    const { r, trace } = traced('many');
    expect(r.status, r.stderr).to.equal(0);
    checkSchema(trace);
    const agg = trace.otherData.aggregated;
    expect(agg, 'otherData.aggregated').to.be.an('object');
    expect(agg.note).to.match(/merged/);
    const merged = trace.traceEvents.filter((e) => e.cat === 'task.merged');
    expect(merged.length).to.be.greaterThan(0);
    // every task is accounted for: spawned one by one in the file, or counted as merged
    const spawned = trace.traceEvents.filter((e) => e.cat === 'spawn').length + agg.byFunction.work.spawns;
    expect(spawned).to.equal(40000);
    const sliceCount = slices(trace).filter((s) => s.args.fn === 'work').length + agg.byFunction.work.slices;
    expect(sliceCount).to.equal(40000);
    expect(merged.reduce((n, e) => n + e.args.slices, 0)).to.equal(agg.slices);
  });

  it('keeps the file of a million tasks under 200 MB, naming the function of every wait', function () {
    this.timeout(180000);
    const out = path.join(TMP, 'million.json');
    const r = asthra(['run', '--workers', '2', '--trace', out, 'spec-tests/concurrency/million_tasks.asthra']);
    expect(r.status, r.stderr).to.equal(0);
    expect(fs.statSync(out).size).to.be.below(200 * 1024 * 1024);
    const s = asthra(['trace', 'summary', out]);
    expect(s.status, s.stderr).to.equal(0);
    expect(s.stdout).to.match(/^ {2}add +1000000 /m);
    expect(s.stdout).to.not.match(/^ {2}\? /m);
  });

  it('puts a blocking C call on its C thread\'s track', () => {
    const { r, trace } = traced('ccall', ['--workers', '1', '--lib-path', 'build/clib']);
    expect(r.status, r.stderr).to.equal(0);
    checkSchema(trace);
    const calls = trace.traceEvents.filter((e) => e.cat === 'ffi');
    expect(calls).to.have.length(1);
    expect(calls[0].name).to.equal('C demo_slow_code');
    expect(calls[0].tid).to.be.at.least(100);
    expect(calls[0].args.task).to.equal(0);
    expect(calls[0].dur).to.be.at.least(15000); // it sleeps 20 ms
    const thread = trace.traceEvents.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.tid === calls[0].tid);
    expect(thread.args.name).to.match(/^C thread \d+$/);
    const park = parks(trace).find((p) => p.args.task === 0);
    expect(park.args).to.include({ reason: 'C call', on: "the C function 'demo_slow_code'" });
    const wake = trace.traceEvents.find((e) => e.cat === 'wake' && e.args.task === 0);
    expect(wake.args.by).to.equal('a C thread');
    // one clock: the call runs between the park and the wake-up
    expect(calls[0].ts).to.be.at.least(park.ts);
    expect(calls[0].ts + calls[0].dur).to.be.at.most(wake.ts + 1);
  });

  it('puts C calls that run at the same time on tracks of their own', () => {
    const { r, trace } = traced('ccalls_at_once', ['--workers', '2', '--lib-path', 'build/clib']);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('met inside C: 8\n');
    checkSchema(trace);
    const calls = trace.traceEvents.filter((e) => e.cat === 'ffi');
    expect(calls).to.have.length(8);
    expect(new Set(calls.map((c) => c.tid)).size).to.equal(8);
    for (const c of calls) {
      expect(c.name).to.equal('C demo_barrier');
      const thread = trace.traceEvents.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.tid === c.tid);
      expect(thread.args.name).to.match(/^C thread \d+$/);
      const park = parks(trace).find((p) => p.args.task === c.args.task);
      const wake = trace.traceEvents.find((e) => e.cat === 'wake' && e.args.task === c.args.task);
      expect(c.ts).to.be.at.least(park.ts);
      expect(c.ts + c.dur).to.be.at.most(wake.ts + 1);
    }
    // all eight were inside C at once: every call began before any ended
    const firstEnd = Math.min(...calls.map((c) => c.ts + c.dur));
    for (const c of calls) expect(c.ts).to.be.at.most(firstEnd);
  });

  it('gives every worker its track, on one clock', () => {
    const { r, trace } = traced('concurrent', ['--workers', '2']);
    expect(r.status, r.stderr).to.equal(0);
    checkSchema(trace);
    expect(trace.otherData.workers).to.equal(2);
    const names = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, e.args.name]);
    expect(names).to.deep.include.members([[0, 'worker 0'], [1, 'worker 1']]);
    const ss = slices(trace);
    expect([...new Set(ss.map((s) => s.args.task))].sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
    // a task's slices never overlap, whichever worker ran them
    for (let t = 0; t <= 5; t++) {
      const runs = ss.filter((s) => s.args.task === t).sort((a, b) => a.ts - b.ts);
      for (let k = 1; k < runs.length; k++) expect(runs[k].ts, `task ${t}`).to.be.at.least(runs[k - 1].ts + runs[k - 1].dur - 1);
    }
  });

  it('shows collections, stopping the world and being stopped, on the workers\' tracks', () => {
    const { r, trace } = traced('alloc', ['--workers', '2', '--max-heap', '2m', '--gc-pause', '101']);
    expect(r.status, r.stderr).to.equal(0);
    checkSchema(trace);
    const gc = trace.traceEvents.filter((e) => e.cat === 'gc');
    const collections = gc.filter((e) => e.name === 'collection');
    expect(collections.length, 'collections').to.be.at.least(1);
    for (const c of collections) {
      // the collecting worker stopped the world around its collection ...
      const stw = gc.find((e) => e.name === 'stop the world' && e.tid === c.tid && e.ts <= c.ts && e.ts + e.dur >= c.ts + c.dur - 0.01);
      expect(stw, `stop the world around ${JSON.stringify(c)}`).to.not.equal(undefined);
      // ... and the other worker, if it was running, was stopped meanwhile
      const other = gc.filter((e) => e.name === 'stopped for a collection' && e.tid !== c.tid);
      for (const o of other) expect(o.tid).to.be.oneOf([0, 1]);
    }
    expect(gc.filter((e) => e.name === 'stopped for a collection').length, 'stops').to.be.at.least(1);
  });

  it('traces a bytecode file run by exec', () => {
    const astb = path.join(TMP, 'concurrent.astb');
    expect(asthra(['build', 'test/trace-programs/concurrent.asthra', '-o', astb]).status).to.equal(0);
    const out = path.join(TMP, 'exec.json');
    const r = asthra(['exec', '--workers', '1', '--trace', out, astb]);
    expect(r.status, r.stderr).to.equal(0);
    const trace = JSON.parse(fs.readFileSync(out, 'utf8'));
    checkSchema(trace);
    expect([...new Set(slices(trace).map((s) => s.args.task))].sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(parks(trace).some((p) => /^a channel made at .*concurrent\.asthra:\d+$/.test(p.args.on))).to.equal(true);
  });

  it('refuses a trace file it cannot write before running anything', () => {
    const r = asthra(['run', '--trace', path.join(TMP, 'no', 'such', 'dir', 'x.json'), 'test/trace-programs/concurrent.asthra']);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/^asthra: cannot write the trace to '.*x\.json': no directory/);
    expect(r.stdout).to.equal('');
  });
});

/** The summary with what varies from run to run masked: times, shares, the trace's path, and
 * the column padding those change. */
function normalise(text, traceFile) {
  return text
    .split(traceFile).join('<trace>')
    .replace(/\d+(\.\d+)? (us|ms|s)\b/g, '<time>')
    .replace(/\d+\.\d%/g, '<share>')
    .replace(/ +/g, ' ')
    .replace(/ +$/gm, '');
}

describe('asthra trace summary', () => {
  it('prints the golden summary of a seeded one-worker run', () => {
    const { r, file } = traced('golden', ['--workers', '1', '--seed', '2']);
    expect(r.status, r.stderr).to.equal(0);
    const s = asthra(['trace', 'summary', file]);
    expect(s.status, s.stderr).to.equal(0);
    expect(s.stderr).to.equal('');
    const want = fs.readFileSync(path.join(PROGRAMS, 'golden.summary'), 'utf8');
    expect(normalise(s.stdout, file)).to.equal(want);
  });

  it('counts tasks and slices that were merged', () => {
    const { file } = traced('many');
    const s = asthra(['trace', 'summary', file]);
    expect(s.status, s.stderr).to.equal(0);
    expect(s.stdout).to.include('note: runs of short slices were merged');
    const row = s.stdout.split('\n').find((l) => /^ {2}work /.test(l));
    expect(row.trim().split(/\s+/).slice(0, 3)).to.deep.equal(['work', '40000', '40000']);
  });

  it('counts a deadlocked task\'s wait to the end', () => {
    const { file } = traced('deadlock');
    const s = asthra(['trace', 'summary', file]);
    expect(s.status, s.stderr).to.equal(0);
    expect(s.stdout).to.match(/\n {2}main +1 +1 .*channel receive .* \(1\); 1 still waiting at the end\n/);
    expect(s.stdout).to.match(/\n {2}idle +1 +1 .*channel receive .* \(1\); 1 still waiting at the end\n/);
  });

  it('says clearly when a file is not a trace', () => {
    const notJson = asthra(['trace', 'summary', 'README.md']);
    expect(notJson.status).to.equal(2);
    expect(notJson.stderr).to.match(/^asthra: 'README.md' is not a trace written by asthra --trace \(not JSON/);
    const other = asthra(['trace', 'summary', 'package.json']);
    expect(other.status).to.equal(2);
    expect(other.stderr).to.equal("asthra: 'package.json' is not a trace written by asthra --trace (no traceEvents list)\n");
    const missing = asthra(['trace', 'summary', 'no-such.json']);
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.equal("asthra: cannot read 'no-such.json': no such file\n");
    const none = asthra(['trace']);
    expect(none.status).to.equal(2);
    expect(none.stderr).to.match(/^asthra: 'asthra trace' needs a command/);
  });
});
