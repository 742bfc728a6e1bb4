// The compiler side of channels, select and cancellation (LANGUAGE.md "Channels, select,
// cancellation"): what the parser reads, what the checker rejects, and the exact instruction
// sequences the emitter produces for the runtime (opcodes.ts CHAN_*, SELECT, TASK_CANCEL,
// IS_CANCELLED). Every program here also passes the verifier.
'use strict';
const { expect } = require('chai');
const { parse } = require('../dist/compiler/parser');
const { compile } = require('../dist/compiler/compile');
const { CompileError } = require('../dist/compiler/diagnostics');
const { verifyModule } = require('../dist/bytecode/verify');
const { OPS, forEachInstruction } = require('../dist/bytecode/opcodes');
const { lineAt } = require('../dist/bytecode/module');
const fs = require('fs');
const path = require('path');
const { parseAnnotations, listPrograms } = require('./spec-annotations');

/** Compile and verify; the module. */
function build(src) {
  const m = compile(src, 't.asthra');
  verifyModule(m);
  return m;
}

/** The instructions of function `name` as text lines: `OP a, b` (strings and shapes by name). */
function listing(m, name) {
  const f = m.functions.find((g) => g.name === name);
  const out = [];
  forEachInstruction(f.code, (pc, op) => {
    const info = OPS[op];
    const args = info.operands.map((kind, i) => {
      const v = f.code[pc + 1 + i];
      if (kind === 'str' || kind === 'vty') return JSON.stringify(m.strings[v]);
      if (kind === 'shape') return `<${m.shapes[v].name}>`;
      if (kind === 'jump') return `@${v}`;
      return String(v);
    });
    out.push(`${pc}: ${info.name}${args.length ? ' ' + args.join(', ') : ''}`);
  });
  return out;
}

/** The listing without pcs, from the first line matching `from` to the one matching `to`. */
function between(lines, from, to) {
  const plain = lines.map((l) => l.replace(/^\d+: /, ''));
  const i = plain.findIndex((l) => l.startsWith(from));
  const j = plain.findIndex((l, k) => k > i && l.startsWith(to));
  expect(i, `no ${from}`).to.be.at.least(0);
  return plain.slice(i, j + 1);
}

/** Does `list` contain `seq` as a contiguous run? */
function hasRun(list, seq) {
  return list.some((_, i) => seq.every((x, j) => list[i + j] === x));
}

function compileError(src) {
  try {
    compile(src, 't.asthra');
  } catch (e) {
    if (e instanceof CompileError) return e.render();
    throw e;
  }
  throw new Error('expected a compile error');
}

const main = (body, top = '') => `${top}\npub fn main(void) -> void {\n${body}\n}\n`;

describe('channels in the compiler', () => {
  describe('parsing', () => {
    it('reads select arms with and without bindings, commas and expression bodies', () => {
      const p = parse(main(`select {
        v = a.recv() => { }
        a.recv() => { },
        r = b.send(1) => f(r),
        t = await h => { }
        after(5) => { }
        default => g()
      }`), 't');
      const s = p.items[0].body.stmts[0];
      expect(s.kind).to.equal('Select');
      expect(s.arms.map((a) => `${a.binding ?? '-'} ${a.op.kind} ${a.body.kind}`)).to.deep.equal([
        'v Call BlockExpr', '- Call BlockExpr', 'r Call Call', 't Await BlockExpr', '- Call BlockExpr', '- Ident Call',
      ]);
    });

    it('keeps select, after and default usable as names', () => {
      build(`fn after(x: i32) -> i32 { return x; }
        fn default(void) -> i32 { return 2; }
        pub struct select { after: i32 }
        pub fn main(void) -> void {
          let mut select: i32 = after(1);
          select = select + default();
          let default: i32 = select;
          let s: select = select { after: default };
          log(s.after);
        }`);
    });
  });

  describe('types and contexts', () => {
    it('takes the element type of Channel::new from every kind of context', () => {
      build(`pub struct Box { c: Channel<string> }
        let g: Channel<i32> = Channel::new(4);
        fn mk(void) -> Channel<f64> { return Channel::new(2); }
        fn take(c: Channel<Channel<i32>>) -> void { }
        pub fn main(void) -> void {
          let b: Box = Box { c: Channel::new(1) };
          let mut c: Channel<bool> = Channel::new(0);
          c = Channel::new(3);
          take(Channel::new(1));
          let xs: []Channel<i32> = [Channel::new(1), Channel::new(2)];
          let o: Option<Channel<u8>> = Option.Some(Channel::new(1));
          let n: usize = 3;
          let d: Channel<[]string> = Channel::new(n);
          let hs: Channel<TaskHandle<i32>> = Channel::new(1);
          spawn take(Channel::new(0));
          let cc: Channel<Channel<i32>> = Channel::new(1);
          cc.send(Channel::new(5));
        }`);
    });

    it('rejects Channel::new without an element type from context, with a hint', () => {
      const msg = compileError(main('    let c = Channel::new(0);'));
      expect(msg).to.include('t.asthra:3:13').and.include('Channel::new needs its element type from context');
      expect(msg).to.include('let ch: Channel<i32> = Channel::new(0);');
    });

    it('rejects sends of the wrong type, naming both types', () => {
      expect(compileError(main('    let c: Channel<i32> = Channel::new(0);\n    c.send(true);')))
        .to.include('t.asthra:4:12').and.include('type mismatch: expected i32, found bool');
    });

    it('rejects cancel on a non-handle and non-channel select arms', () => {
      expect(compileError(main('    let x: i32 = 1;\n    x.cancel();'))).to.include('cancel needs a TaskHandle, found i32');
      expect(compileError(main('    let x: i32 = 1;\n    select { x => { } }')))
        .to.include('t.asthra:4:14').and.include('a select arm must be a channel send or recv, await, after(ms) or default');
    });
  });

  describe('emitted code', () => {
    const prog = `pub struct P { x: i32 }
      fn f(c: Channel<i32>, s: Channel<P>, h: TaskHandle<string>) -> void {
        let r: Result<void, string> = c.send(7);
        let v: Option<P> = s.recv();
        let k: Result<void, string> = c.close();
        c.send(8);
        s.recv();
        let n: usize = c.len + c.cap;
        h.cancel();
        let b: bool = Asthra_runtime.is_cancelled();
      }
      fn sel(c: Channel<i32>, s: Channel<P>, h: TaskHandle<string>, p: P) -> void {
        select {
          v = c.recv() => { }
          r = s.send(p) => { }
          t = await h => { }
          after(50) => { }
          default => { }
        }
      }
      fn loop_(c: Channel<i32>) -> void {
        for x in c {
          if x == 1 { continue; }
          if x == 2 { break; }
        }
      }
      pub fn main(void) -> void {
        let c: Channel<i32> = Channel::new(16);
      }`;
    let m;
    before(() => {
      m = build(prog);
    });

    it('Channel::new: the capacity, then CHAN_NEW with the element type', () => {
      expect(between(listing(m, 'main'), 'PUSH_I 16', 'CHAN_NEW')).to.deep.equal(['PUSH_I 16', 'CHAN_NEW "n"']);
    });

    it('send builds Result<void, string> from the status: 0 Ok, 1 closed, 2 cancelled', () => {
      expect(between(listing(m, 'f'), 'LOAD 0', 'STORE 3').map((l) => l.replace(/@\d+/g, '@'))).to.deep.equal([
        'LOAD 0', 'PUSH_I 7', 'CHAN_SEND 0',
        'DUP', 'JMP_T @', 'POP', 'PUSH_I 0', 'NEW_OBJ <Result.Ok>', 'JMP @',
        'PUSH_I 1', 'EQ', 'JMP_F @', 'CONST_S "send on closed channel"', 'NEW_OBJ <Result.Err>', 'JMP @',
        'CONST_S "task cancelled"', 'NEW_OBJ <Result.Err>',
        'STORE 3',
      ]);
    });

    it('recv builds Option<T> from [value, ok]; close builds its Result; unused results are popped', () => {
      const l = listing(m, 'f').map((x) => x.replace(/^\d+: /, '').replace(/@\d+/g, '@'));
      const recv = l.indexOf('CHAN_RECV 1');
      expect(l.slice(recv - 1, recv + 7)).to.deep.equal([
        'LOAD 1', 'CHAN_RECV 1', 'JMP_F @', 'NEW_OBJ <Option.Some>', 'JMP @', 'POP', 'NEW_OBJ <Option.None>', 'STORE 4',
      ]);
      const close = l.indexOf('CHAN_CLOSE');
      expect(l.slice(close, close + 7)).to.deep.equal([
        'CHAN_CLOSE', 'JMP_T @', 'PUSH_I 0', 'NEW_OBJ <Result.Ok>', 'JMP @', 'CONST_S "close of closed channel"', 'NEW_OBJ <Result.Err>',
      ]);
      expect(hasRun(l, ['LOAD 0', 'PUSH_I 8', 'CHAN_SEND 0', 'POP', 'LOAD 1', 'CHAN_RECV 1', 'POP', 'POP'])).to.equal(true);
      expect(hasRun(l, ['LOAD 0', 'CHAN_LEN', 'LOAD 0', 'CHAN_CAP'])).to.equal(true);
      expect(hasRun(l, ['LOAD 2', 'TASK_CANCEL', 'POP', 'IS_CANCELLED'])).to.equal(true);
    });

    it('select: operands in source order, SELECT with the arm codes, four results stored, dispatch', () => {
      const l = listing(m, 'sel').map((x) => x.replace(/^\d+: /, ''));
      expect(l.slice(0, 10)).to.deep.equal([
        'LOAD 0', 'LOAD 1', 'LOAD 3', 'LOAD 2', 'PUSH_I 50', 'SELECT "cSWtd"', 'STORE 7', 'STORE 8', 'STORE 9', 'STORE 10',
      ]);
      const plain = l.map((x) => x.replace(/@\d+/g, '@'));
      // arm 0 (recv, number elements): Some(number slot) when status is 1
      expect(plain.slice(10, 20)).to.deep.equal([
        'LOAD 10', 'PUSH_I 0', 'EQ', 'JMP_F @', 'LOAD 9', 'LOAD 7', 'JMP_F @', 'NEW_OBJ <Option.Some>', 'JMP @', 'POP',
      ]);
      // arm 2 (await of a string task): the reference slot
      const aw = plain.indexOf('PUSH_I 2');
      expect(plain.slice(aw - 1, aw + 5)).to.deep.equal(['LOAD 10', 'PUSH_I 2', 'EQ', 'JMP_F @', 'LOAD 8', 'STORE 6']);
      // the send arm's binding is built from the status like ch.send's result
      expect(hasRun(plain, ['LOAD 7', 'DUP', 'JMP_T @', 'POP', 'PUSH_I 0', 'NEW_OBJ <Result.Ok>'])).to.equal(true);
    });

    it('for x in ch: CHAN_RECV until ok is 0; break skips the POP of the last value, continue receives again', () => {
      const l = listing(m, 'loop_');
      const plain = l.map((x) => x.replace(/^\d+: /, ''));
      expect(plain.slice(0, 6).map((x) => x.replace(/@\d+/g, '@'))).to.deep.equal(['LOAD 0', 'STORE 1', 'LOAD 1', 'CHAN_RECV 0', 'JMP_F @', 'STORE 2']);
      const top = Number(l[2].split(':')[0]);
      const exit = Number(/@(\d+)/.exec(l[4])[1]);
      expect(l.find((x) => x.startsWith(`${exit}:`))).to.match(/POP$/);
      const jumps = l.filter((x) => /: JMP @/.test(x)).map((x) => Number(/@(\d+)/.exec(x)[1]));
      expect(jumps).to.include(top); // continue and the loop back edge
      expect(jumps).to.include(exit + 1); // break
    });

    it('gives CHAN_NEW, CHAN_SEND, CHAN_RECV and SELECT the source position of their operation', () => {
      const src = main(`    let c: Channel<i32> = Channel::new(0);
    c.send(1);
    let v: Option<i32> = c.recv();
    select {
        default => { }
    }`);
      const mm = build(src);
      const f = mm.functions.find((g) => g.name === 'main');
      const pos = {};
      forEachInstruction(f.code, (pc, op) => {
        const p = lineAt(f, pc);
        pos[OPS[op].name] = `${p.line}:${p.col}`;
      });
      expect(pos).to.include({ CHAN_NEW: '3:27', CHAN_SEND: '4:5', CHAN_RECV: '5:26', SELECT: '6:5' });
    });
  });

  describe('spec-tests/channels', () => {
    // The runtime programs stay pending until the interpreter runs the channel instructions;
    // until then they must at least compile and verify.
    for (const file of listPrograms(path.join(__dirname, '..', 'spec-tests', 'channels'))) {
      const source = fs.readFileSync(file, 'utf8');
      if (parseAnnotations(source).compileError) continue;
      it(`${path.basename(file)} compiles and verifies`, () => {
        verifyModule(compile(source, file));
      });
    }
  });
});
