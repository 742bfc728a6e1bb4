// Unit tests for the parser (src/compiler/parser.ts over grammar.ne): `parse(source, file)` returns
// the AST of ast.ts, throws a CompileError for a syntax error and an InternalError when the
// grammar finds more than one parse. So parsing a program that uses every construct checks that
// the grammar accepts all of them unambiguously; the rest spot-checks the shape of the tree.
'use strict';
const { expect } = require('chai');
const fs = require('fs');
const path = require('path');
const { parse, InternalError } = require('../dist/compiler/parser');
const { CompileError } = require('../dist/compiler/diagnostics');

const EVERY = path.join(__dirname, 'fixtures', 'every_construct.asthra');

// ---------------------------------------------------------------- helpers

/** A compact S-expression of an expression, to compare tree shapes without positions. */
function sx(e) {
  if (e === null || e === undefined) return '_';
  switch (e.kind) {
    case 'Int': case 'Float': return e.text;
    case 'Str': return JSON.stringify(e.value);
    case 'Char': return `'${String.fromCodePoint(e.value)}'`;
    case 'Bool': return String(e.value);
    case 'Unit': return '()';
    case 'Ident': return e.name;
    case 'Path': return `${e.type}::${e.name}`;
    case 'Binary': return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'Unary': return `(${e.op} ${sx(e.operand)})`;
    case 'Cast': return `(as ${sx(e.expr)} ${ty(e.type)})`;
    case 'Call': return `(call ${[e.callee, ...e.args].map(sx).join(' ')})`;
    case 'Field': return `(. ${sx(e.object)} ${e.name})`;
    case 'Index': return `(index ${sx(e.object)} ${sx(e.index)})`;
    case 'SliceRange': return `(slice ${sx(e.object)} ${sx(e.lo)} ${sx(e.hi)})`;
    case 'StructLit': return `(struct ${e.name}${e.fields.map((f) => ` ${f.name}:${sx(f.value)}`).join('')})`;
    case 'ArrayLit': return `[${e.elems.map(sx).join(' ')}]`;
    case 'ArrayRepeat': return `[${sx(e.value)}; ${sx(e.count)}]`;
    case 'TupleLit': return `(tuple ${e.elems.map(sx).join(' ')})`;
    case 'If': return `(if ${sx(e.cond)} ${block(e.then)} ${sx(e.else)})`;
    case 'BlockExpr': return `${e.unsafe ? 'unsafe' : ''}${block(e.block)}`;
    case 'Match': return `(match ${sx(e.subject)} ${e.arms.length} arms)`;
    case 'Try': return `(try ${sx(e.expr)})`;
    case 'Sizeof': return `(sizeof ${ty(e.type)})`;
    case 'FnLit': return `(fn (${e.params.map((p) => `${p.mut ? 'mut ' : ''}${p.name}: ${ty(p.type)}`).join(', ')}) ${e.ret ? ty(e.ret) : '_'} ${block(e.body)})`;
    default: return `<${e.kind}>`;
  }
}

function block(b) {
  return `{${b.stmts.length ? ` ${b.stmts.length} stmts` : ''}${b.tail ? ` ${sx(b.tail)}` : ''}}`;
}

/** A type as source text. */
function ty(t) {
  switch (t.kind) {
    case 'TName': return t.args.length ? `${t.name}<${t.args.map(ty).join(', ')}>` : t.name;
    case 'TSlice': return `[]${ty(t.elem)}`;
    case 'TArray': return `[${sx(t.size)}]${ty(t.elem)}`;
    case 'TTuple': return `(${t.elems.map(ty).join(', ')})`;
    case 'TPtr': return `*${t.mut ? 'mut' : 'const'} ${ty(t.elem)}`;
    case 'TFn': return `fn(${t.params.map(ty).join(', ')}) -> ${ty(t.ret)}`;
    default: return `<${t.kind}>`;
  }
}

/** The statements of `fn f() -> void { BODY }`. */
function stmts(body) {
  const prog = parse(`fn f() -> void {\n${body}\n}\n`, 'snippet.asthra');
  expect(prog.items).to.have.lengthOf(1);
  return prog.items[0].body.stmts;
}

/** The initialiser of `let v = EXPR;`. */
function expr(text) {
  const s = stmts(`let v = ${text};`);
  expect(s).to.have.lengthOf(1);
  expect(s[0].kind).to.equal('Let');
  return s[0].init;
}

/** The CompileError thrown by parse(source, file). */
function parseError(source, file = 'err.asthra') {
  let err;
  try {
    parse(source, file);
  } catch (e) {
    err = e;
  }
  expect(err, 'parse should throw').to.exist;
  expect(err, String(err && err.stack)).to.be.instanceOf(CompileError);
  return err;
}

/** Every node (object with a string `kind`) under `root`, depth first. */
function nodes(root) {
  const out = [];
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (typeof v.kind === 'string') out.push(v);
      Object.values(v).forEach(walk);
    }
  };
  walk(root);
  return out;
}

// ---------------------------------------------------------------- the whole language

describe('parser', () => {
  describe('a program with every construct', () => {
    const source = fs.readFileSync(EVERY, 'utf8');
    let prog;
    let all;
    before(() => {
      prog = parse(source, 'every_construct.asthra');
      all = nodes(prog);
    });

    it('parses without error (so the grammar is unambiguous on all of it)', () => {
      expect(() => parse(source, 'every_construct.asthra')).to.not.throw();
      expect(prog.packageName).to.equal('main');
    });

    it('has every kind of item', () => {
      const items = prog.items.map((i) => `${i.kind} ${i.name ?? i.path}`);
      expect(items).to.include.members([
        'Struct Point', 'Enum Shape', 'Enum Wrap', 'Global LIMIT', 'Global counter', 'Global table', 'Impl Point',
        'Fn noargs_void', 'Fn noargs_none', 'Fn noargs_empty', 'Fn main', 'Import std/math', 'Extern abs', 'Fn ident',
      ]);
      const g = Object.fromEntries(prog.items.filter((i) => i.kind === 'Global').map((i) => [i.name, i]));
      expect(g.LIMIT).to.include({ isConst: true, mut: false });
      expect(g.counter).to.include({ isConst: false, mut: true });
      expect(g.table).to.include({ isConst: false });
      expect(ty(g.table.type)).to.equal('[]i32');
    });

    it('keeps attributes on items and variant payloads on enums', () => {
      const point = prog.items.find((i) => i.kind === 'Struct');
      expect(point.fields.map((f) => `${f.name}: ${ty(f.type)}`)).to.deep.equal(['x: i32', 'y: i32']);
      const main = prog.items.find((i) => i.kind === 'Fn' && i.name === 'main');
      expect(main.attrs.map((a) => a.name)).to.deep.equal(['inline']);
      const shape = prog.items.find((i) => i.kind === 'Enum' && i.name === 'Shape');
      expect(shape.variants.map((v) => `${v.name}(${v.fields.map(ty).join(', ')})`)).to.deep.equal(['Circle(f64)', 'Rect(i32, i32)', 'Empty()']);
      const wrap = prog.items.find((i) => i.kind === 'Enum' && i.name === 'Wrap');
      expect(ty(wrap.variants[0].fields[0])).to.equal('Option<Result<i32, string>>');
    });

    it('reads (void), (none) and () as empty parameter lists, and self methods vs `::` functions', () => {
      const fns = Object.fromEntries(prog.items.filter((i) => i.kind === 'Fn').map((f) => [f.name, f]));
      expect(fns.noargs_void.params).to.deep.equal([]);
      expect(fns.noargs_none.params).to.deep.equal([]);
      expect(fns.noargs_empty.params).to.deep.equal([]);
      const impl = prog.items.find((i) => i.kind === 'Impl');
      const m = Object.fromEntries(impl.methods.map((f) => [f.name, f.params.map((p) => `${p.mut ? 'mut ' : ''}${p.name}`)]));
      expect(m).to.deep.equal({ new: ['x', 'y'], sum: ['self'], bump: ['mut self', 'by'] });
      expect(impl.methods.find((f) => f.name === 'sum').params[0].type).to.equal(null);
    });

    it('contains every statement, expression, pattern and type node kind', () => {
      const kinds = new Set(all.map((n) => n.kind));
      const expected = [
        // statements
        'Let', 'Assign', 'ExprStmt', 'Return', 'Break', 'Continue', 'While', 'For', 'Spawn', 'SpawnHandle', 'Select',
        // expressions
        'Int', 'Float', 'Str', 'Char', 'Bool', 'Unit', 'Ident', 'Path', 'Binary', 'Unary', 'Cast', 'Call', 'Field',
        'Index', 'SliceRange', 'StructLit', 'ArrayLit', 'ArrayRepeat', 'TupleLit', 'If', 'IfLet', 'Match', 'BlockExpr',
        'Await', 'Try', 'Sizeof',
        // patterns
        'PWild', 'PBind', 'PLit', 'PVariant', 'PTuple',
        // types
        'TName', 'TSlice', 'TArray', 'TTuple', 'TPtr', 'TFn',
      ];
      expect([...kinds].filter((k) => expected.includes(k)).sort()).to.deep.equal([...expected].sort());
    });

    it('contains every binary, unary and assignment operator', () => {
      const bin = new Set(all.filter((n) => n.kind === 'Binary').map((n) => n.op));
      expect([...bin].sort()).to.deep.equal(['!=', '%', '&', '&&', '*', '+', '-', '/', '<', '<<', '<=', '==', '>', '>=', '>>', '^', '|', '||'].sort());
      const un = new Set(all.filter((n) => n.kind === 'Unary').map((n) => n.op));
      expect([...un].sort()).to.deep.equal(['!', '-', '~']);
      const asg = new Set(all.filter((n) => n.kind === 'Assign').map((n) => n.op));
      expect([...asg].sort()).to.deep.equal(['%', '*', '+', '-', '/', '=']);
      const targets = new Set(all.filter((n) => n.kind === 'Assign').map((n) => n.target.kind));
      expect([...targets].sort()).to.deep.equal(['Field', 'Ident', 'Index']);
    });

    it('reads `return;` without a value and `return ();` with a unit value', () => {
      const fns = Object.fromEntries(prog.items.filter((i) => i.kind === 'Fn').map((f) => [f.name, f]));
      expect(fns.noargs_void.body.stmts[0]).to.include({ kind: 'Return', value: null });
      expect(fns.noargs_none.body.stmts[0].kind).to.equal('Return');
      expect(fns.noargs_none.body.stmts[0].value.kind).to.equal('Unit');
    });

    it('reads both match arm forms and nested, literal, tuple and wildcard patterns', () => {
      const matches = all.filter((n) => n.kind === 'Match');
      const shapeMatch = matches.find((m) => sx(m.subject) === 'shape');
      expect(shapeMatch.arms).to.have.lengthOf(4);
      expect(shapeMatch.arms[0].body.kind).to.equal('BlockExpr'); // `=> { ... }` without a comma
      expect(shapeMatch.arms[1].body.kind).to.equal('Call'); // `=> expr,`
      expect(shapeMatch.arms[1].pattern.args.map((p) => p.kind)).to.deep.equal(['PLit', 'PWild']);
      const wrapMatch = matches.find((m) => sx(m.subject) === 'w');
      const p0 = wrapMatch.arms[0].pattern;
      expect([p0.enumName, p0.variant, p0.args[0].enumName, p0.args[0].variant, p0.args[0].args[0].variant, p0.args[0].args[0].args[0].kind])
        .to.deep.equal(['Wrap', 'One', 'Option', 'Some', 'Ok', 'PBind']);
      expect(wrapMatch.arms[3].pattern.kind).to.equal('PWild');
      const tupleMatch = matches.find((m) => m.subject.kind === 'TupleLit');
      expect(tupleMatch.arms[0].pattern.kind).to.equal('PTuple');
      expect(tupleMatch.arms[1].pattern.elems.map((p) => p.kind)).to.deep.equal(['PBind', 'PLit']);
      expect(sx(tupleMatch.arms[1].pattern.elems[1].value)).to.equal('(- 1)');
      const strMatch = matches.find((m) => sx(m.subject) === 's');
      expect(strMatch.arms[0].pattern.value.kind).to.equal('Str');
      const charMatch = matches.find((m) => sx(m.subject) === 'ch');
      expect(charMatch.arms[0].pattern.value).to.include({ kind: 'Char', value: 'x'.codePointAt(0) });
    });
  });

  // ---------------------------------------------------------------- tree shapes

  describe('precedence and associativity', () => {
    it('binds * tighter than +: `1 + 2 * 3`', () => {
      const e = expr('1 + 2 * 3');
      expect(e.kind).to.equal('Binary');
      expect(e.op).to.equal('+');
      expect(e.left).to.include({ kind: 'Int', text: '1' });
      expect(e.right).to.include({ kind: 'Binary', op: '*' });
      expect(sx(e)).to.equal('(+ 1 (* 2 3))');
    });

    it('is left associative: `1 - 2 - 3`, `a / b * c`', () => {
      expect(sx(expr('1 - 2 - 3'))).to.equal('(- (- 1 2) 3)');
      expect(sx(expr('a / b * c'))).to.equal('(* (/ a b) c)');
    });

    it('binds comparisons tighter than && and && tighter than ||: `a < b && c`', () => {
      expect(sx(expr('a < b && c'))).to.equal('(&& (< a b) c)');
      expect(sx(expr('a || b && c == d'))).to.equal('(|| a (&& b (== c d)))');
    });

    it('orders | ^ & << below + and above comparisons', () => {
      expect(sx(expr('a | b ^ c & d << 1 + 2'))).to.equal('(| a (^ b (& c (<< d (+ 1 2)))))');
      expect(sx(expr('a & b == c'))).to.equal('(== (& a b) c)');
    });

    it('binds `as` tighter than binary operators and looser than unary minus', () => {
      expect(sx(expr('x as i64 + 1'))).to.equal('(+ (as x i64) 1)');
      expect(sx(expr('-x as i64'))).to.equal('(as (- x) i64)');
      expect(sx(expr('a * b as f64'))).to.equal('(* a (as b f64))');
      expect(sx(expr('x as i32 as i64'))).to.equal('(as (as x i32) i64)');
    });

    it('reads `a >> 2` as a shift and `a >> 2 + 1` as a >> (2 + 1)', () => {
      expect(sx(expr('a >> 2'))).to.equal('(>> a 2)');
      expect(sx(expr('a >> 2 + 1'))).to.equal('(>> a (+ 2 1))');
      expect(sx(expr('1 << 3 >> 1'))).to.equal('(>> (<< 1 3) 1)');
    });

    it('does not join `> >` with a space into a shift', () => {
      parseError('fn f() -> void {\n    let v = a > > 2;\n}\n');
    });

    it('reads prefix operators on postfix expressions: `-f(x).y`, `!~a`', () => {
      expect(sx(expr('-f(x).y'))).to.equal('(- (. (call f x) y))');
      expect(sx(expr('!~a'))).to.equal('(! (~ a))');
    });

    it('reads `try f(x) + 1` as (try f(x)) + 1', () => {
      expect(sx(expr('try f(x) + 1'))).to.equal('(+ (try (call f x)) 1)');
    });

    it('does not chain comparisons: `a < b < c` is a syntax error', () => {
      parseError('fn f() -> void {\n    let v = a < b < c;\n}\n');
    });
  });

  describe('expressions', () => {
    it('reads if and match as operands inside binary operators', () => {
      expect(sx(expr('1 + if c { 2 } else { 3 }'))).to.equal('(+ 1 (if c { 2} { 3}))');
      const m = expr('10 * match n { 1 => 2, _ => 3 }');
      expect(m).to.include({ kind: 'Binary', op: '*' });
      expect(m.right.kind).to.equal('Match');
      expect(m.right.arms.map((a) => sx(a.body))).to.deep.equal(['2', '3']);
    });

    it('reads an `if` condition `x == y { }` as a comparison, not a struct literal', () => {
      const [s] = stmts('if x == y { }');
      expect(s.kind).to.equal('ExprStmt');
      expect(s.expr.kind).to.equal('If');
      expect(sx(s.expr.cond)).to.equal('(== x y)');
      expect(s.expr.then.stmts).to.deep.equal([]);
      expect(s.expr.else).to.equal(null);
    });

    it('reads the same words as a struct literal outside a condition', () => {
      expect(sx(expr('x == Y { a: 1 }'))).to.equal('(== x (struct Y a:1))');
      expect(sx(expr('Point { x: 1, y: 2, }'))).to.equal('(struct Point x:1 y:2)');
    });

    it('reads a statement starting with `if` as the if statement: `if c { a } else { b } - 1;` is two statements', () => {
      const s = stmts('if c { a } else { b } - 1;');
      expect(s).to.have.lengthOf(2);
      expect(s[0].expr.kind).to.equal('If');
      expect(s[0].semi).to.equal(false);
      expect(sx(s[1].expr)).to.equal('(- 1)');
    });

    it('reads else-if chains as nested ifs', () => {
      const [s] = stmts('if a { } else if b { } else { x; }');
      expect(s.expr.else.kind).to.equal('If');
      expect(sx(s.expr.else.cond)).to.equal('b');
      expect(s.expr.else.else.kind).to.equal('BlockExpr');
    });

    it('reads calls, method calls, Type::f() and Enum.Variant(x)', () => {
      expect(sx(expr('f(1, 2)'))).to.equal('(call f 1 2)');
      expect(sx(expr('f()'))).to.equal('(call f)');
      expect(sx(expr('p.sum()'))).to.equal('(call (. p sum))');
      expect(sx(expr('Point::new(1, 2).sum()'))).to.equal('(call (. (call Point::new 1 2) sum))');
      expect(sx(expr('Shape.Circle(2.0)'))).to.equal('(call (. Shape Circle) 2.0)');
      expect(sx(expr('Color.Red'))).to.equal('(. Color Red)');
    });

    it('reads slice literals, [v; n], indexing and sub-slices', () => {
      expect(sx(expr('[1, 2, 3,]'))).to.equal('[1 2 3]');
      expect(sx(expr('[]'))).to.equal('[]');
      expect(sx(expr('[0; 16]'))).to.equal('[0; 16]');
      expect(sx(expr('s[i + 1]'))).to.equal('(index s (+ i 1))');
      expect(sx(expr('s[a:b]'))).to.equal('(slice s a b)');
      expect(sx(expr('s[:b]'))).to.equal('(slice s _ b)');
      expect(sx(expr('s[a:]'))).to.equal('(slice s a _)');
      expect(sx(expr('s[:]'))).to.equal('(slice s _ _)');
      expect(sx(expr('m[i][j]'))).to.equal('(index (index m i) j)');
    });

    it('reads tuples, grouping, unit and tuple fields `t.0.1`', () => {
      expect(sx(expr('(1, "a")'))).to.equal('(tuple 1 "a")');
      expect(sx(expr('(1,)'))).to.equal('(tuple 1)');
      expect(sx(expr('(1)'))).to.equal('1');
      expect(sx(expr('()'))).to.equal('()');
      expect(sx(expr('t.0.1'))).to.equal('(. (. t 0) 1)');
    });

    it('reads unsafe blocks, plain blocks with a value, sizeof and literals', () => {
      expect(sx(expr('unsafe { 5 }'))).to.equal('unsafe{ 5}');
      expect(sx(expr('{ let z = 1; z }'))).to.equal('{ 1 stmts z}');
      expect(sx(expr('sizeof(i32)'))).to.equal('(sizeof i32)');
      expect(sx(expr("'\\n'"))).to.equal("'\n'");
      expect(sx(expr('true && false'))).to.equal('(&& true false)');
    });

    it('unescapes string literals; raw strings keep backslashes', () => {
      expect(expr('"a\\"b\\n\\t\\\\"').value).to.equal('a"b\n\t\\');
      expect(expr('"""line1\nline2\\t"""').value).to.equal('line1\nline2\t');
      expect(expr('r"""raw\\n "q" """').value).to.equal('raw\\n "q" ');
      expect(expr("'\\u{1F600}'").value).to.equal(0x1f600);
    });
  });

  describe('types', () => {
    it('closes nested generics with `>>`: Option<Result<i32, string>>', () => {
      const [s] = stmts('let x: Option<Result<i32, string>> = y;');
      expect(ty(s.type)).to.equal('Option<Result<i32, string>>');
      expect(s.type.args[0].args.map((a) => a.name)).to.deep.equal(['i32', 'string']);
    });

    it('reads slice, array, tuple, pointer and function types', () => {
      const [s] = stmts('let x: ([]i32, [4]u8, *mut T, fn(i32) -> bool, Map<K, []V>) = y;');
      expect(ty(s.type)).to.equal('([]i32, [4]u8, *mut T, fn(i32) -> bool, Map<K, []V>)');
    });
  });

  describe('function literals', () => {
    it('reads a function literal as an expression, in calls and as a global initialiser', () => {
      const f = expr('fn(x: i32, mut y: i32) -> i32 { return x * y; }');
      expect(f.kind).to.equal('FnLit');
      expect(f.params.map((p) => [p.name, p.mut, ty(p.type)])).to.deep.equal([['x', false, 'i32'], ['y', true, 'i32']]);
      expect(ty(f.ret)).to.equal('i32');
      expect(sx(expr('apply(fn() -> void { }, 1)'))).to.match(/^\(call apply \(fn \(\) void .*\) 1\)$/);
      expect(sx(expr('make()(2)'))).to.equal('(call (call make) 2)');
      const g = parse('let f: fn(i32) -> fn() -> i32 = fn(x: i32) -> fn() -> i32 { return fn() -> i32 { return x; }; };\nfn main() -> void { }\n', 'g.asthra');
      expect(g.items.map((it) => it.kind)).to.deep.equal(['Global', 'Fn']);
      expect(ty(g.items[0].type)).to.equal('fn(i32) -> fn() -> i32');
      expect(g.items[0].init.kind).to.equal('FnLit');
    });
  });

  describe('statements', () => {
    it('reads let / let mut with and without types', () => {
      const s = stmts('let a: i32 = 1;\nlet mut b = 2;');
      expect(s.map((x) => [x.kind, x.name, x.mut, x.type && ty(x.type)])).to.deep.equal([
        ['Let', 'a', false, 'i32'], ['Let', 'b', true, null],
      ]);
    });

    it('reads assignments and compound assignments to locals, fields and indices', () => {
      const s = stmts('a = 1;\np.x += 2;\ns[i] -= 3;\nm[i].f *= 4;\nq.r.s /= 5;\nk %= 6;');
      expect(s.map((x) => `${sx(x.target)} ${x.op === '=' ? '' : x.op}= ${sx(x.value)}`)).to.deep.equal([
        'a = 1', '(. p x) += 2', '(index s i) -= 3', '(. (index m i) f) *= 4', '(. (. q r) s) /= 5', 'k %= 6',
      ]);
      expect(s.every((x) => x.kind === 'Assign')).to.equal(true);
    });

    it('reads while, for over a range and over a slice, break and continue', () => {
      const s = stmts('while i < n { break; }\nfor i in range(0, 10) { continue; }\nfor v in xs { }');
      expect(s.map((x) => x.kind)).to.deep.equal(['While', 'For', 'For']);
      expect(sx(s[0].cond)).to.equal('(< i n)');
      expect(s[0].body.stmts[0].kind).to.equal('Break');
      expect(s[1].name).to.equal('i');
      expect(sx(s[1].iter)).to.equal('(call range 0 10)');
      expect(s[1].body.stmts[0].kind).to.equal('Continue');
      expect(sx(s[2].iter)).to.equal('xs');
    });

    it('reads if let with an else block', () => {
      const [s] = stmts('if let Option.Some(v) = o { } else { }');
      expect(s.expr.kind).to.equal('IfLet');
      expect(s.expr.pattern).to.include({ kind: 'PVariant', enumName: 'Option', variant: 'Some' });
      expect(sx(s.expr.value)).to.equal('o');
      expect(s.expr.else.kind).to.equal('BlockExpr');
    });

    it('reads `return expr` and `break` as match arm bodies', () => {
      const [s] = stmts('match r {\n    Result.Ok(v) => v,\n    Result.Err(e) => return e,\n}');
      const arm = s.expr.arms[1];
      expect(arm.body.kind).to.equal('BlockExpr');
      expect(arm.body.block.stmts[0]).to.include({ kind: 'Return' });
      expect(sx(arm.body.block.stmts[0].value)).to.equal('e');
    });

    it('records positions of nodes (line and column of the first token)', () => {
      const s = stmts('let a = 1;\n  foo(a);');
      expect(s[0]).to.include({ line: 2, col: 1 });
      expect(s[1]).to.include({ line: 3, col: 3 });
      expect(s[1].expr.args[0]).to.include({ line: 3, col: 7 });
    });
  });

  // ---------------------------------------------------------------- errors

  describe('syntax errors', () => {
    it('reports a missing semicolon as "expected \';\'" at the end of the previous line', () => {
      const src = 'fn main() -> void {\n    let x: i32 = 1\n    let y: i32 = 2;\n}\n';
      const err = parseError(src, 'semi.asthra');
      expect(err.message).to.include("expected ';'");
      expect(err.line).to.equal(2);
      expect(err.col).to.equal('    let x: i32 = 1'.length + 1);
      const text = err.render();
      expect(text.split('\n')[0]).to.equal(`semi.asthra:2:19: error: ${err.message}`);
    });

    it('reports a missing semicolon after a call at the end of that line too', () => {
      const err = parseError('fn main() -> void {\n    foo()\n    bar();\n}\n');
      expect(err.message).to.include("expected ';'");
      expect([err.line, err.col]).to.deep.equal([2, 10]);
    });

    it('shows the source line and a caret under an unexpected token', () => {
      const err = parseError('fn main() -> void {\n    let x: i32 = (1 + ];\n}\n', 'caret.asthra');
      expect([err.line, err.col]).to.deep.equal([2, 23]);
      expect(err.message).to.match(/^unexpected '\]'/);
      const lines = err.render().split('\n');
      expect(lines[0]).to.match(/^caret\.asthra:2:23: error: unexpected '\]'/);
      const srcLine = lines.findIndex((l) => l.endsWith('let x: i32 = (1 + ];'));
      expect(srcLine, err.render()).to.be.greaterThan(0);
      const caret = lines[srcLine + 1];
      expect(caret).to.match(/^\s*\| *\^$/);
      // the caret stands under the `]`
      expect(caret.indexOf('^')).to.equal(lines[srcLine].indexOf(']'));
    });

    it('says what was expected after an unexpected token', () => {
      const err = parseError('fn main() -> void { foo(1, 2 }');
      expect(err.message).to.match(/unexpected '\}'; expected .*'\)'/);
    });

    it('reports an unexpected end of file at the last token', () => {
      const err = parseError('fn main() -> void {\n    let x: i32 = 1;\n', 'eof.asthra');
      expect(err.message).to.match(/^unexpected end of file/);
      expect(err.line).to.equal(2);
      expect(err.render()).to.match(/^eof\.asthra:2:\d+: error: unexpected end of file/);
    });

    it('reports an unexpected end of file in the middle of an expression', () => {
      const err = parseError('fn main() -> void { let x = 1 +');
      expect(err.message).to.match(/^unexpected end of file/);
    });
    // Parser.feed catches the lexer's CompileError and rethrows `new Error(reportLexerError(e))`
    // (a dump of every expected token), and parse() rethrows that since it has no `token`, so the
    // CLI prints "asthra: internal error: ..." with exit 70 instead of a file:line:col diagnostic.
    it('reports a lexer error through parse as a CompileError with the file name', () => {
      const err = parseError('fn main() -> void {\n    let a = 1 $ 2;\n}\n', 'lexbad.asthra');
      expect(err.render()).to.match(/^lexbad\.asthra:2:15: error: unexpected character/);
    });

    it('reports the error at the offending token, not at a stale position from an earlier parse', () => {
      parseError('fn a() -> void { let x = 1 }', 'one.asthra');
      const err = parseError('fn b() -> void {\n\n    return 1 2;\n}', 'two.asthra');
      expect(err.render()).to.match(/^two\.asthra:3:14: error:/);
    });

    it('never reports an InternalError (ambiguity) for these programs', () => {
      for (const src of ['fn f() -> void { { } { } }', 'fn f() -> void { if a { } - 1; }', 'fn f() -> void { match x { _ => { } } }']) {
        try {
          parse(src, 'amb.asthra');
        } catch (e) {
          expect(e, src).to.not.be.instanceOf(InternalError);
        }
      }
    });
  });
});

describe('parser at scale (one declaration at a time)', () => {
  const { listPrograms } = require('./spec-annotations');
  const { CompileErrors } = require('../dist/compiler/diagnostics');
  const ROOT = path.join(__dirname, '..');

  // nearley reports an ambiguity as several results, and parse() turns that into an
  // InternalError: so a clean parse of every program is a check that each parse is unique
  it('parses every spec program and example with exactly one parse', () => {
    const files = [...listPrograms(path.join(ROOT, 'spec-tests')), ...listPrograms(path.join(ROOT, 'examples'))];
    expect(files.length).to.be.greaterThan(400);
    let parsed = 0;
    for (const f of files) {
      const src = fs.readFileSync(f, 'utf8');
      try {
        parse(src, f);
        parsed++;
      } catch (e) {
        expect(e, `${f}: ${e.message}`).to.not.be.instanceOf(InternalError);
        // only programs that expect a compile error may fail to parse
        expect(src, `${f}: ${e.message}`).to.match(/\/\/ expect error:/);
      }
    }
    expect(parsed).to.be.greaterThan(380);
  });

  it('reports the syntax errors of every declaration in one run', () => {
    let err;
    try {
      parse('fn a() -> i32 {\n    let x = 5\n    return x;\n}\nfn b() -> i32 { return 1 + ; }\nstruct S { x: i32 }\npub fn main(void) -> void { }\n', 'multi.asthra');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(CompileErrors);
    expect(err.errors.map((e) => `${e.line}:${e.col} ${e.message.split('; expected')[0]}`)).to.deep.equal([
      "2:14 expected ';' after '5'",
      "5:28 unexpected ';'",
    ]);
  });

  it('a missing } spoils only its own function: the next fn in column 1 starts again', () => {
    let err;
    try {
      parse('fn a() -> void {\n    if true {\n}\nfn b() -> void { let y = ; }\n', 'brace.asthra');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(CompileErrors);
    expect(err.errors.map((e) => `${e.line}:${e.col} ${e.message.split('; expected')[0]}`)).to.deep.equal(["1:16 unclosed '{'", "4:26 unexpected ';'"]);
  });

  it('keeps `pub fn`, attributes, `extern "c" fn` and fn types inside one declaration', () => {
    const prog = parse('#[doc("x")]\n#[non_blocking] pub extern "c" fn abs(x: i32) -> i32;\npub fn main(void) -> void { }\nlet mut g: i32 = 1;\n', 'keep.asthra');
    expect(prog.items.map((i) => i.kind)).to.deep.equal(['Extern', 'Fn', 'Global']);
    expect(prog.items[0].attrs.map((a) => a.name)).to.deep.equal(['doc', 'non_blocking']);
  });
});
