// Runs every program in spec-tests/ through the real CLI (`asthra run`) and checks it against
// its golden annotations (see spec-annotations.js).
'use strict';
const { expect } = require('chai');
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { parseAnnotations, listPrograms } = require('./spec-annotations');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'asthra');
const SPEC = path.join(ROOT, 'spec-tests');


function runSpec(file, extraFlags = []) {
  const source = fs.readFileSync(file, 'utf8');
  const t = parseAnnotations(source);
  const rel = path.relative(ROOT, file);
  const r = spawnSync(process.execPath, [CLI, 'run', ...t.flags, ...extraFlags, rel, ...t.args], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  return { t, r, rel };
}

function check({ t, r, rel }) {
  const stdout = r.stdout.replace(/\n$/, '');
  const lines = stdout === '' ? [] : stdout.split('\n');
  const why = `\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  expect(r.stderr, 'no JavaScript stack trace' + why).to.not.match(/\n\s+at .*\.js:\d+/);
  if (t.compileError) {
    // each expected error is on its line with its text; the summary counts them all
    const errorLines = r.stderr.split('\n').filter((l) => l.startsWith(`${rel}:`) && l.includes(': error: '));
    for (const want of t.compileErrors) {
      const found = errorLines.some((l) => l.startsWith(`${rel}:${want.line}:`) && l.includes(want.text));
      expect(found, `compile error on line ${want.line}: ${want.text}` + why).to.equal(true);
    }
    expect(errorLines.length, 'number of compile errors' + why).to.equal(t.compileErrors.length);
    if (t.compileErrors.length > 1) expect(r.stderr, 'error count' + why).to.include(`\n${t.compileErrors.length} errors\n`);
  } else if (t.runtimeError) {
    const first = r.stderr.split('\n')[0];
    const want = `runtime error: ${t.runtimeError.text}`;
    if (want.endsWith('...')) expect(first.startsWith(want.slice(0, -3)), 'runtime error' + why).to.equal(true);
    else expect(first, 'runtime error' + why).to.equal(want);
    expect(r.stderr, 'trace names the line' + why).to.include(`:${t.runtimeError.line}:`);
  }
  for (const text of t.stderr) expect(r.stderr, 'stderr' + why).to.include(text);
  if (!t.compileError) {
    if (t.unordered) expect([...lines].sort(), 'stdout (unordered)' + why).to.deep.equal([...t.stdout].sort());
    else expect(lines, 'stdout' + why).to.deep.equal(t.stdout);
  }
  if (t.signal) expect(r.signal, 'ended by a signal' + why).to.equal(t.signal);
  else expect(r.status, 'exit code' + why).to.equal(t.exit);
}

describe('spec-tests (through the CLI)', () => {
  for (const file of listPrograms(SPEC)) {
    const name = path.relative(SPEC, file);
    const t = parseAnnotations(fs.readFileSync(file, 'utf8'));
    if (t.skip) {
      it(`${name} (pending: ${t.skip})`);
      continue;
    }
    it(name, () => check(runSpec(file)));
  }
});

// The same programs with the native tier off, with every function native from its first call
// and native frames spilling to the interpreter at every second call (a torture mode for the
// deoptimisation path), and with a collection before every allocation followed by a heap check
// (Wren's GC_STRESS, Lua's heap walk).
const TIER_DIRS = ['ffi', 'channels', 'concurrency', 'closures', 'functions', 'generics', 'integers', 'runtime', 'control', 'floats', 'globals', 'programs', 'casts', 'main', 'stdlib', 'modules',
  'slices', 'strings', 'structs', 'enums', 'match', 'tuples', 'gc', 'upstream', 'traits', 'types', 'native'];
const HEAP_DIRS = ['closures', 'integers', 'slices', 'strings', 'structs', 'enums', 'match', 'tuples', 'programs', 'upstream', 'gc', 'generics', 'traits', 'types', 'stdlib', 'modules', 'native'];
// Concurrency programs also run on one and on four workers, and with a collection before every
// allocation on the default count (programs that fix their worker count or seed keep theirs).
const TASK_DIRS = ['concurrency', 'channels', 'closures', 'ffi', 'traits', 'native'];
// Too slow under --gc-torture. callback_after_end: a C thread calls back as fast as it can and
// every call is a task; the program ends once main has returned and every task has finished, and
// with a collection before every allocation the tasks never catch up with the flood (the paced
// version of the program runs under torture). It used to crash under torture too (SIGSEGV in the
// thread C started, at an address gdb could not name): most likely the C library closed under
// that thread when the last koffi handle on it went. The main thread now holds one for the life
// of the process, and 14 runs since showed no crash (against 3 in 16 before).
const TORTURE_TOO_SLOW = ['concurrency/million_tasks.asthra', 'concurrency/gc_objects_shared.asthra', 'channels/stress_many.asthra', 'ffi/callback_after_end.asthra',
  'native/refs_across_gc.asthra', 'native/views_after_growth.asthra'].map((f) => path.join(...f.split('/')));
const TORTURE_PENDING = [].map((f) => path.join(...f.split('/')));
const MODES = [
  ['interpreter only (--no-native)', ['--no-native'], TIER_DIRS],
  ['native spill torture (--native-depth 2 --native-hot 1)', ['--native-depth', '2', '--native-hot', '1'], TIER_DIRS],
  ['gc torture (--gc-torture --gc-verify)', ['--gc-torture', '--gc-verify'], HEAP_DIRS],
  ['one worker (--workers 1)', ['--workers', '1'], TASK_DIRS],
  ['four workers (--workers 4)', ['--workers', '4'], TASK_DIRS],
  ['tasks under gc torture (--gc-torture)', ['--gc-torture'], TASK_DIRS],
];
for (const [label, flags, dirs] of MODES) {
  describe(`spec-tests, ${label}`, () => {
    for (const file of listPrograms(SPEC)) {
      const name = path.relative(SPEC, file);
      if (!dirs.includes(name.split(path.sep)[0])) continue;
      // the gc/ programs (and a few task programs: a million tasks, a million values) allocate
      // hundreds of MB on purpose: far too slow with a collection per allocation
      if ((name.startsWith('gc') || TORTURE_TOO_SLOW.includes(name)) && flags.includes('--gc-torture')) continue;
      const t = parseAnnotations(fs.readFileSync(file, 'utf8'));
      if (t.skip || t.compileError) continue;
      if (flags.includes('--workers') && t.flags.some((f) => f === '--workers' || f === '--seed')) continue;
      if (TORTURE_PENDING.includes(name) && flags.includes('--gc-torture')) {
        it.skip(`${name} (pending: crashes under gc torture while a C thread calls back at exit)`);
        continue;
      }
      it(name, () => check(runSpec(file, flags)));
    }
  });
}

module.exports = { listPrograms, runSpec, check };
