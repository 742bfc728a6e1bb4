#!/usr/bin/env node
// Seeded mutation fuzzing of the compiler and of the .astb loader, verifier and VM.
//
//   npm run fuzz -- [--seed N] [--cases N | --seconds S] [--mode bytecode|source|both]
//                   [--run N] [--out DIR]
//
// Bytecode mode compiles the spec-test programs, damages each module (a code word, an operand,
// a local or result kind, a shape, a field's or a local's declared type, the main kind, a
// string-pool byte, any byte of the file) and
// writes it back with its checksum recomputed, so the damage reaches the verifier. Every mutant
// must be rejected with an AstbError or a VerifyError; of those that pass, up to --run are run
// through the real CLI (`asthra exec`), where exit 70 (internal error), a JavaScript stack trace
// or a signal counts as a failure (a timeout is counted as a hang: a mutated jump may loop).
// Source mode mutates the program text: the compiler must give a CompileError or a module the
// verifier accepts. Each distinct failure is written to --out as a reproducer. Exit 1 when any
// failure was found. The same seed gives the same mutants.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'asthra');
const { compile } = require(path.join(ROOT, 'dist/compiler/compile'));
const { CompileError } = require(path.join(ROOT, 'dist/compiler/diagnostics'));
const { readAstb, writeAstb, crc32, AstbError } = require(path.join(ROOT, 'dist/bytecode/astb'));
const { verifyModule, VerifyError } = require(path.join(ROOT, 'dist/bytecode/verify'));
const { OPS } = require(path.join(ROOT, 'dist/bytecode/opcodes'));

/** A JavaScript stack frame line in the CLI's output. */
const JS_STACK = /\n\s+at .*\.js:\d+/;

/** mulberry32: a small seeded generator, so a seed names a run. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (xs) => xs[next.int(xs.length)];
  return next;
}

function listSources(dir, out = []) {
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isDirectory()) listSources(p, out);
    else if (/\.(asthra|ast)$/.test(f)) out.push(p);
  }
  return out;
}

/** The spec programs that compile, with their source and their .astb bytes. */
function corpus() {
  const out = [];
  for (const file of listSources(path.join(ROOT, 'spec-tests'))) {
    const source = fs.readFileSync(file, 'utf8');
    try {
      const m = compile(source, path.relative(ROOT, file));
      out.push({ file, source, astb: writeAstb(m) });
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
    }
  }
  return out;
}

function reseal(buf) {
  const b = Buffer.from(buf);
  b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)), b.length - 4);
  return b;
}

const INTERESTING = [0, 1, 2, -1, 7, 255, 256, 1000, 65535, 65536, -2147483648, 2147483647];

/** A damaged copy of the .astb bytes `good`: one structured change to its module, or one raw byte. */
function mutateBytecode(r, good) {
  const m = readAstb(good);
  const fn = r.pick(m.functions);
  const what = r.int(10);
  switch (what) {
    case 0: case 1: case 2: { // a code word: an operand or an opcode
      if (fn.code.length === 0) break;
      const i = r.int(fn.code.length);
      fn.code[i] = r() < 0.5 ? r.pick(INTERESTING) : r() < 0.5 ? r.int(OPS.length) : fn.code[i] + r.pick([-2, -1, 1, 2]);
      break;
    }
    case 3: { // one instruction's opcode replaced by another of the same size, so decoding lines up
      const starts = [];
      for (let pc = 0; pc < fn.code.length; pc += 1 + (OPS[fn.code[pc]]?.operands.length ?? 0)) starts.push(pc);
      const pc = r.pick(starts);
      const size = OPS[fn.code[pc]].operands.length;
      const same = OPS.map((o, i) => [o, i]).filter(([o]) => o.operands.length === size).map(([, i]) => i);
      fn.code[pc] = r.pick(same);
      break;
    }
    case 4: // a local's kind, or the result kind
      if (fn.nlocals > 0 && r() < 0.7) fn.localKinds[r.int(fn.nlocals)] ^= 1;
      else fn.retKind ^= 1;
      break;
    case 5: { // a shape's field kind, or a declared type (a field's or a local's) swapped for another reference type of the file
      const refTypes = [...new Set([...m.shapes.flatMap((s) => s.fields), ...m.functions.flatMap((f) => f.localTypes)].filter((t) => t !== 'n'))];
      const s = m.shapes.length > 0 ? r.pick(m.shapes) : null;
      if (r() < 0.4 && s !== null && s.refs.length > 0) s.refs[r.int(s.refs.length)] ^= 1;
      else if (r() < 0.5 && s !== null && s.fields.some((t) => t !== 'n') && refTypes.length > 0) {
        const refs = s.fields.map((t, i) => [t, i]).filter(([t]) => t !== 'n');
        s.fields[r.pick(refs)[1]] = r.pick(refTypes);
      } else if (fn.localTypes.some((t) => t !== 'n') && refTypes.length > 0) {
        const refs = fn.localTypes.map((t, i) => [t, i]).filter(([t]) => t !== 'n');
        fn.localTypes[r.pick(refs)[1]] = r.pick(refTypes);
      }
      break;
    }
    case 6: // the main kind, the entry, a global's kind, the arity
      if (r() < 0.4) m.mainKind = r.int(3);
      else if (r() < 0.3) m.entry = r.int(m.functions.length);
      else if (m.globals.length > 0 && r() < 0.5) r.pick(m.globals).kind ^= 1;
      else if (fn.arity < fn.nlocals) fn.arity++;
      break;
    case 7: { // a string-pool byte (no checksum can catch what the writer puts there)
      const buf = Buffer.from(writeAstb(m));
      const at = buf.indexOf(Buffer.from(r.pick(m.strings.length ? m.strings : ['main']), 'utf8'));
      if (at > 0) buf[at] = r.pick([0x00, 0x80, 0xc0, 0xff, 0xed]);
      return reseal(buf);
    }
    default: { // any byte before the source text
      const buf = Buffer.from(good);
      const i = 4 + r.int(Math.max(1, buf.length - 8));
      buf[i] = r() < 0.5 ? buf[i] ^ (1 << r.int(8)) : r.int(256);
      return reseal(buf);
    }
  }
  return writeAstb(m);
}

const TOKENS = ['(', ')', '{', '}', ';', ',', '.', '=', '==', '+', '-', '*', '/', '!', '&', '|', '<', '>', '[', ']', ':', '::', '->',
  '0', '1', '-1', '2147483648', '9223372036854775808', '1.5', '"s"', '"\\0"', "'c'", 'true', 'x', 'i32', 'u8', 'string', 'void',
  'let', 'mut', 'fn', 'if', 'else', 'while', 'for', 'in', 'return', 'match', 'spawn', 'await', 'struct', 'enum', 'unsafe', 'as',
  'Result', 'Option', 'Ok', 'Err', 'Some', 'None', '_', 'self', 'break', 'continue', 'spawn_with_handle', 'len', 'range'];

/** A damaged copy of a program text: a token inserted, a span deleted, duplicated or swapped. */
function mutateSource(r, text) {
  const at = r.int(text.length + 1);
  switch (r.int(5)) {
    case 0: return text.slice(0, at) + ' ' + r.pick(TOKENS) + ' ' + text.slice(at);
    case 1: return text.slice(0, at) + text.slice(at + 1 + r.int(12));
    case 2: { // replace one word with a token
      const m = /\w+/.exec(text.slice(at));
      if (!m) return text + r.pick(TOKENS);
      const i = at + m.index;
      return text.slice(0, i) + r.pick(TOKENS) + text.slice(i + m[0].length);
    }
    case 3: { // duplicate a line
      const lines = text.split('\n');
      const i = r.int(lines.length);
      lines.splice(i, 0, lines[i]);
      return lines.join('\n');
    }
    default: { // swap two lines
      const lines = text.split('\n');
      const i = r.int(lines.length);
      const j = r.int(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
  }
}

/** Load and verify in this process: 'load' / 'verify' (clean rejections), 'accepted', or a failure. */
function checkBytecode(buf) {
  let m;
  try {
    m = readAstb(buf);
  } catch (e) {
    if (e instanceof AstbError) return { outcome: 'rejected-load' };
    return { outcome: 'failure', kind: 'readAstb threw', message: String(e && e.stack) };
  }
  try {
    verifyModule(m);
  } catch (e) {
    if (e instanceof VerifyError) return { outcome: 'rejected-verify' };
    return { outcome: 'failure', kind: 'verifyModule threw', message: String(e && e.stack) };
  }
  return { outcome: 'accepted' };
}

/** Compile a mutated program in this process: a CompileError, or a module the verifier accepts. */
function checkSource(text, file) {
  let m;
  try {
    m = compile(text, file);
  } catch (e) {
    if (e instanceof CompileError) return { outcome: 'rejected-compile' };
    return { outcome: 'failure', kind: 'compiler threw', message: String(e && e.stack) };
  }
  try {
    verifyModule(m);
  } catch (e) {
    return { outcome: 'failure', kind: 'compiled code fails verification', message: String(e && e.message) };
  }
  return { outcome: 'accepted' };
}

/** Run an accepted .astb file through the CLI: 'ran' (any exit the language defines), 'hang', 'output flood' (more than 16 MB), or a failure. */
function runAstb(file, timeoutMs) {
  const r = spawnSync(process.execPath, [CLI, 'exec', file], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 24 });
  if (r.error && r.error.code === 'ETIMEDOUT') return { outcome: 'hang' };
  // a mutated loop that prints without end fills the output buffer: the program ran, as it was written
  if (r.error && r.error.code === 'ENOBUFS') return { outcome: 'output flood' };
  if (r.error) throw r.error;
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.signal) return { outcome: 'failure', kind: `signal ${r.signal}`, message: r.stderr.slice(0, 2000) };
  if (r.status === 70) return { outcome: 'failure', kind: 'exit 70 (internal error)', message: r.stderr.slice(0, 2000) };
  if (JS_STACK.test(out)) return { outcome: 'failure', kind: 'JavaScript stack trace', message: r.stderr.slice(0, 2000) };
  return { outcome: `ran (exit ${r.status})` };
}

/**
 * Fuzz with `opts` ({ seed, cases, seconds, mode, run, out, timeoutMs, log }); returns
 * { counts: outcome -> number, failures: [{ kind, message, reproducer }] }.
 */
function fuzz(opts) {
  const { seed = 1, cases = 1000, seconds = 0, mode = 'both', run = 20, out = null, timeoutMs = 10000, log = () => {} } = opts;
  const r = rng(seed);
  const programs = corpus();
  const counts = {};
  const failures = [];
  const seen = new Set();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'asthra-fuzz-'));
  let ran = 0;
  const count = (o) => (counts[o] = (counts[o] ?? 0) + 1);
  const fail = (res, name, bytes) => {
    const sig = `${res.kind}: ${res.message.split('\n')[0]}`;
    if (seen.has(sig)) return;
    seen.add(sig);
    let reproducer = null;
    if (out) {
      fs.mkdirSync(out, { recursive: true });
      reproducer = path.join(out, `${name}`);
      fs.writeFileSync(reproducer, bytes);
    }
    failures.push({ kind: res.kind, message: res.message, reproducer });
    log(`FAIL ${sig}${reproducer ? ` (${reproducer})` : ''}`);
  };
  const until = seconds > 0 ? Date.now() + seconds * 1000 : Infinity;
  try {
    for (let i = 0; seconds > 0 ? Date.now() < until : i < cases; i++) {
      const p = r.pick(programs);
      const base = path.basename(p.file).replace(/\.\w+$/, '');
      const doSource = mode === 'source' || (mode === 'both' && r() < 0.5);
      if (doSource) {
        const text = mutateSource(r, p.source);
        const res = checkSource(text, path.relative(ROOT, p.file));
        count(`source ${res.outcome}`);
        if (res.outcome === 'failure') fail(res, `seed${seed}-case${i}-${base}.asthra`, text);
        continue;
      }
      const bytes = mutateBytecode(r, p.astb);
      const res = checkBytecode(bytes);
      count(`bytecode ${res.outcome}`);
      if (res.outcome === 'failure') {
        fail(res, `seed${seed}-case${i}-${base}.astb`, bytes);
        continue;
      }
      if (res.outcome !== 'accepted' || ran >= run || p.file.includes(`${path.sep}ffi${path.sep}`)) continue;
      ran++;
      const f = path.join(scratch, 'mutant.astb');
      fs.writeFileSync(f, bytes);
      const rr = runAstb(f, timeoutMs);
      count(`bytecode run: ${rr.outcome}`);
      if (rr.outcome === 'failure') fail(rr, `seed${seed}-case${i}-${base}.astb`, bytes);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return { counts, failures };
}

module.exports = { fuzz, rng, mutateBytecode, mutateSource, checkBytecode, checkSource, corpus };

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const known = new Set(['--seed', '--cases', '--seconds', '--mode', '--run', '--out']);
  for (let i = 0; i < args.length; i += 2) {
    if (!known.has(args[i]) || args[i + 1] === undefined) {
      console.error(`fuzz: unknown or incomplete option '${args[i]}'; options: --seed N, --cases N, --seconds S, --mode bytecode|source|both, --run N, --out DIR`);
      process.exit(2);
    }
  }
  const mode = opt('mode', 'both');
  if (!['bytecode', 'source', 'both'].includes(mode)) {
    console.error(`fuzz: --mode must be bytecode, source or both, not '${mode}'`);
    process.exit(2);
  }
  const res = fuzz({
    seed: Number(opt('seed', 1)), cases: Number(opt('cases', 2000)), seconds: Number(opt('seconds', 0)), mode,
    run: Number(opt('run', 50)), out: opt('out', path.join(ROOT, 'fuzz-failures')), log: (s) => console.log(s),
  });
  for (const [k, v] of Object.entries(res.counts).sort()) console.log(`${k}: ${v}`);
  console.log(`failures: ${res.failures.length}`);
  process.exit(res.failures.length > 0 ? 1 : 0);
}
