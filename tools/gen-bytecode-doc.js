#!/usr/bin/env node
// Writes docs/bytecode.md: the .astb file format, value and object layout, the verifier's rules,
// and the opcode and built-in tables. The tables come from the compiled opcode and built-in tables
// (dist/bytecode/opcodes.js and builtins.js, the same OPS and BUILTIN_FNS the emitter, verifier,
// disassembler and interpreter read), so they cannot drift from the VM; the prose around them
// lives in this script.
//
//   node tools/gen-bytecode-doc.js           write docs/bytecode.md (run `npm run build` first)
//   node tools/gen-bytecode-doc.js --check   exit 1 if docs/bytecode.md is not what this writes
//   node tools/gen-bytecode-doc.js --stdout  print the document instead of writing it
'use strict';

const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const OUT = path.join(ROOT, 'docs', 'bytecode.md');

function load(rel) {
  const file = path.join(DIST, rel);
  if (!fs.existsSync(file)) {
    process.stderr.write(`gen-bytecode-doc: ${path.relative(ROOT, file)} is missing; run \`npm run build\` first\n`);
    process.exit(2);
  }
  return require(file);
}

const { OPS } = load('bytecode/opcodes.js');
const { BUILTINS, BUILTIN_FNS } = load('bytecode/builtins.js');
const { MAGIC, VERSION_MAJOR, VERSION_MINOR } = load('bytecode/astb.js');
const layout = load('heap/layout.js');
const { INT_NAMES } = load('bytecode/inttypes.js');

// ---------------------------------------------------------------- descriptions the table lacks
/** What each operand kind means (the comments beside OperandKind in src/bytecode/opcodes.ts). */
const OPERAND_KINDS = {
  local: ['L', 'local slot index in the current frame (below the function\'s local count)'],
  global: ['G', 'global slot index'],
  num: ['K', 'index into the number constant pool'],
  str: ['K', 'index into the string constant pool'],
  imm: ['imm', 'signed 32-bit immediate'],
  jump: ['J', 'absolute code offset (in words) of an instruction in the same function'],
  fn: ['F', 'function index'],
  shape: ['S', 'shape index (the layout of a struct, enum variant or tuple)'],
  ity: ['T', 'integer type code (table below)'],
  kind: ['K', 'value kind: 0 = number, 1 = reference'],
  vty: ['V', 'index into the string constant pool of a value type (below): what a new slice or channel holds'],
  count: ['N', 'element or argument count (SLICE_SUB: a bit mask, see its row)'],
  field: ['I', 'field slot index inside an object'],
  builtin: ['B', 'built-in index (table below)'],
  extern: ['X', 'index into the externs section (a C function)'],
};

/**
 * Stack effects the table writes as '*' (they depend on operands), as the verifier resolves
 * them (effect() in src/bytecode/verify.ts). `x` is whichever kind is on top.
 */
const STAR_EFFECTS = {
  POP: ['x', ''],
  DUP: ['x', 'x x'],
  LOAD: ['', 'kind of local L'],
  STORE: ['kind of local L', ''],
  GLOAD: ['', 'kind of global G'],
  GSTORE: ['kind of global G', ''],
  CALL: ['kinds of F\'s first N locals', 'F\'s return kind'],
  RET: ['this function\'s return kind', ''],
  NEW_SLICE: ['N values of type V', 'r'],
  NEW_BYTES: ['N numbers', 'r'],
  CONCAT_N: ['one value per code of K', 'r'],
  SLICE_REPEAT: ['K n', 'r'],
  SLICE_GET: ['r n', 'K'],
  SLICE_SET: ['r n K', ''],
  SLICE_PUSH: ['r K', ''],
  SLICE_SUB: ['r [n] [n]', 'r'],
  NEW_OBJ: ['S\'s field kinds, in order', 'r'],
  GET_FIELD: ['r', 'K'],
  SET_FIELD: ['r K', ''],
  BUILTIN: ['B\'s arguments', 'B\'s result'],
  CALL_EXTERN: ['X\'s parameters (r for a string, n otherwise)', 'X\'s result (r for a string, n otherwise)'],
};

function kinds(s) {
  return s === '' ? '–' : s.split('').join(' ');
}

function effectOf(op) {
  const star = STAR_EFFECTS[op.name];
  const pop = op.pop === '*' ? (star ? star[0] || '–' : 'depends on operands') : kinds(op.pop);
  const push = op.push === '*' ? (star ? star[1] || '–' : 'depends on operands') : kinds(op.push);
  return [pop, push];
}

function cell(text) {
  return String(text).replace(/\|/g, '\\|');
}

function operandList(op) {
  if (op.operands.length === 0) return '–';
  return op.operands.map((k) => `${k}`).join(', ');
}

function opcodeTable() {
  const rows = [
    '| # | name | operands | pops | pushes | native | meaning |',
    '|---:|---|---|---|---|---|---|',
  ];
  OPS.forEach((op, i) => {
    const [pop, push] = effectOf(op);
    rows.push(`| ${i} | \`${op.name}\` | ${cell(operandList(op))} | ${cell(pop)} | ${cell(push)} | ${op.native ? 'yes' : ''} | ${cell(op.doc)} |`);
  });
  return rows.join('\n');
}

/** How a program writes a call of built-in function f: `Asthra_runtime.sleep(any-integer) -> void`. */
function callText(f) {
  return `\`${f.ns ? f.ns + '.' : ''}${f.name}(${f.params.join(', ')}) -> ${f.result}\``;
}

function builtinTable() {
  const rows = ['| B | name | pops | pushes | Asthra source |', '|---:|---|---|---|---|'];
  BUILTINS.forEach((b, i) => {
    rows.push(`| ${i} | \`${b.name}\` | ${kinds(b.pop)} | ${kinds(b.push)} | ${cell(callText(b.fn))} |`);
  });
  return rows.join('\n');
}

function builtinFnTable() {
  const rows = ['| call | compiles to | meaning |', '|---|---|---|'];
  for (const f of BUILTIN_FNS) {
    const to = f.lower.kind === 'builtin'
      ? `\`BUILTIN ${f.lower.b}, ${f.params.length}\` (${f.lower.name})`
      : `\`${OPS[f.lower.op].name}\`${OPS[f.lower.op].push === '' ? ', `PUSH_I 0`' : ''}`;
    rows.push(`| ${cell(callText(f))}${f.bare ? ` (also \`${f.name}(...)\`)` : ''} | ${to} | ${cell(f.doc)} |`);
  }
  return rows.join('\n');
}

function operandKindTable() {
  const used = new Set(OPS.flatMap((op) => op.operands));
  const rows = ['| operand kind | written | meaning |', '|---|---|---|'];
  for (const k of [...used]) {
    const [sym, text] = OPERAND_KINDS[k] || ['?', '(undocumented operand kind)'];
    rows.push(`| \`${k}\` | ${sym} | ${cell(text)} |`);
  }
  return rows.join('\n');
}

function intTypeTable() {
  return ['| T | type |', '|---:|---|', ...INT_NAMES.map((n, i) => `| ${i} | \`${n}\` |`)].join('\n');
}

function tagTable() {
  const PAYLOAD = {
    free: 'a free block (word 2 links the free list it is on)',
    string: 'UTF-8 bytes, immutable',
    array: '8-byte slots: the backing store of slices; word 2 is the element kind',
    slice: `${layout.SLICE_SLOTS} f64 slots: len (${layout.SLICE_LEN}), cap (${layout.SLICE_CAP}), array reference (${layout.SLICE_ARRAY}), offset into the array (${layout.SLICE_OFFSET}); word 2 is the element kind`,
    object: '8-byte field slots laid out by the shape in word 2 (structs, tuples, enum values; word 3 is the variant)',
    stack: '8-byte slots: a fiber\'s value stack, its frame records, or the globals; never collected while the program runs',
  };
  return ['| tag | name | payload |', '|---:|---|---|', ...layout.TAG_NAMES.map((n, i) => `| ${i} | ${n} | ${PAYLOAD[n] || ''} |`)].join('\n');
}

// ---------------------------------------------------------------- the document
function render() {
  const H = layout.HEADER_BYTES;
  return `<!-- This file is generated by tools/gen-bytecode-doc.js from the compiled sources in dist/.
     Do not edit it by hand: change the script (prose) or src/bytecode/opcodes.ts and builtins.ts
     (tables), then run
     \`npm run build && node tools/gen-bytecode-doc.js\`. \`node tools/gen-bytecode-doc.js --check\`
     fails when this file is out of date. -->

# Asthra bytecode: the \`.astb\` format and the instruction set

\`asthra build prog.asthra\` compiles a program to one \`.astb\` file; \`asthra exec prog.astb\` reads
it, verifies every function and runs it; \`asthra disasm\` prints it with the source line above the
code it compiled to. This page describes the file (format version ${VERSION_MAJOR}.${VERSION_MINOR}), the values and heap
objects the instructions work on, what the verifier guarantees, and every instruction.

Contents: [File format](#file-format) · [Values and objects](#values-and-objects) ·
[The verifier](#the-verifier) · [Instructions](#instructions) · [Opcode table](#opcode-table) ·
[Built-ins](#built-ins)

## File format

All integers are little-endian. A *str* is a u32 byte length followed by that many UTF-8 bytes. A
*kind* byte is 0 (number) or 1 (reference).

\`\`\`
offset  size  field
0       4     magic "${MAGIC}"
4       2     u16 major version (${VERSION_MAJOR})
6       2     u16 minor version (${VERSION_MINOR})
8       4     u32 section count
12      ...   sections, each: u32 id, u32 payload length, payload
end-4   4     u32 CRC-32 (IEEE 802.3, polynomial 0xEDB88320) of every byte before it
\`\`\`

The writer emits the sections in id order; the reader accepts them in any order but needs each
of sections 1 to 7, 10 and 13 exactly once. The externs and callbacks sections are written only by
programs that declare \`extern\` functions (and pass Asthra functions to them), the closures
section only by programs with function values, the files section only by programs that import
other files. Format 2.0 added the types section: a 1.x file lacks it, so this VM refuses 1.x files
(rebuild them from source). Format 2.1 added the closures and files sections. Format 2.2 added
the fields section: a 2.0 or 2.1 file lacks it, and its shapes' field types cannot be verified,
so this VM refuses it too (rebuild it from source).
Every str of the strings, types and fields sections must be valid UTF-8 without a NUL byte.

| id | section | payload, in order |
|---:|---|---|
| 1 | meta | str source name · u32 entry function index · u8 main kind (0 \`void\`, 1 \`i32\` exit code, 2 \`Result<void, string>\`) |
| 2 | numbers | u32 count · count × f64: the number constant pool (\`CONST_N\`) |
| 3 | strings | u32 count · count × str: the string constant pool (\`CONST_S\`, \`TRAP\`), interned when the module loads |
| 4 | shapes | u32 count · per shape: str name (\`Point\`, \`Shape.Rect\`, \`tuple\`) · u32 variant index · u32 field count n · n kind bytes |
| 5 | globals | u32 count · per global: str name · u8 kind |
| 6 | functions | u32 count · per function: see below |
| 7 | source | str: the program text, for stack traces and \`asthra disasm\` (may be empty) |
| 8 | externs | u32 count · per extern: str Asthra name · str library as written (empty: the C library) · str C symbol · u32 parameter count n · n C type bytes · u8 result C type · u8 blocking (1) or \`#[non_blocking]\` (0) · u32 line · u32 column of its declaration |
| 9 | callbacks | u32 count · per callback: u32 function index · u32 parameter count n · n C type bytes · u8 result C type (numbers, bools and pointers only: a call from C becomes a task whose arguments travel in one injection record) |
| 10 | types | u32 function count · per function, in order: u32 local count n · n × str value type of each local · str value type of the result · then u32 global count · per global: str value type (see [value types](#value-types)) |
| 11 | closures | u32 count · per closure shape: u32 shape index · u32 function index (the function a value of that shape runs; see [values and objects](#values-and-objects)) |
| 12 | files | (format 2.1; only in a program of several files) u32 count · per imported module: str file name · str its text. A line-table line k × 2^20 + n is line n of file k of this list (k ≥ 1); lines below 2^20 are the main file's |
| 13 | fields | (format 2.2) u32 shape count · per shape, in order: u32 field count n · n × str value type of each field (see [value types](#value-types)); a closure shape's are its function's first parameters' |

C type codes (externs section), as koffi binds them: 0 void (results only), 1 bool, 2 i8,
3 u8, 4 i16, 5 u16, 6 i32, 7 u32, 8 i64, 9 u64, 10 isize, 11 usize, 12 f32, 13 f64, 14 string
(a NUL-terminated \`const char *\` copy; a reference slot), 15 pointer (an address in a number
slot), 16 callback (parameters only: the number is an index into the callbacks section, and C
gets the C function pointer registered for it). The verifier rejects an unknown code, a
\`void\` parameter, a callback result or a \`#[non_blocking]\` extern taking a callback, and a
\`CALL_EXTERN\` whose argument count differs from the extern's.

Each function in the functions section:

| field | type | meaning |
|---|---|---|
| name | str | \`main\`, \`Point::new\`, \`<init>\` |
| arity | u32 | parameters; they arrive in locals 0 .. arity-1 |
| locals | u32 | local slots, parameters included (at most 65536) |
| max stack | u32 | operand-stack height the code never exceeds (at most 65536; the verifier checks it) |
| local kinds | \`locals\` bytes | kind of each local slot (no length prefix) |
| return kind | u8 | kind of the returned value (\`void\` returns the number 0) |
| code | u32 count · count × i32 | the instructions: an opcode word, then one word per operand |
| line table | u32 count · count × i32 | triples (pc, line, column), pc ascending: the source position of the code from pc on; count is a multiple of 3 |

Function 0 is \`<init>\`, the entry the meta section names: it initialises the globals in
dependency order, calls \`main\` and returns main's value, which the runner turns into the exit
code according to the main kind.

What the reader rejects (exit code 2, \`asthra: FILE: invalid bytecode file: SECTION section, offset
N: ...\`): a file shorter than 16 bytes, a wrong magic number, a CRC mismatch (checked before
anything else is read, so a truncated or corrupted file is reported as such), a major version
other than ${VERSION_MAJOR} (any minor version is accepted), an unknown or duplicate section id, a section running past the end, bytes after the
last section, a missing section, a count larger than its section could hold, a kind byte other
than 0 or 1, a main kind above 2, more than 65536 locals or stack slots, a line table whose length
is not a multiple of 3, and leftover bytes at the end of a section.

## Values and objects

Every value is one 8-byte slot holding a double: integers (exact within ±(2^53 − 1), which is why
i64/u64 trap beyond it), floats, bools (0/1), chars (the code point) and \`void\` (0) are
*numbers*; strings, slices, tuples, structs and enum values are *references*: the byte offset of
the object's header in the heap. The two kinds never mix in one slot: each local, global, field,
array element and operand-stack slot has a kind fixed at compile time. The verifier checks it for
locals, globals and the operand stack; see below for what it takes on trust.

The heap is one SharedArrayBuffer (so worker threads can share it), growable up to \`--max-heap\`;
its base never moves, so a reference stays valid for its object's whole life. The first
${layout.ARENA_META_BYTES} bytes hold the allocator's metadata (word 0: the bump pointer, in 8-byte units), so no object
lives at offset 0. Every block is a multiple of 8 bytes and starts with a ${H}-byte header of four
int32 words:

\`\`\`
word 0   tag | flags << 8      flags: 1 = MARK (set during a collection), 2 = PINNED
word 1   payload size in bytes
word 2   shape index (objects) / element kind (arrays, slices) / free-list link (free blocks) / 0
word 3   variant index (enum values) / 0
\`\`\`

The payload follows the header (its first 8-byte slot is at byte \`ref + ${H}\`):

<!-- BEGIN GENERATED (tags) by tools/gen-bytecode-doc.js -->
${tagTable()}
<!-- END GENERATED (tags) -->

- A **slice** value is a reference to a slice header; \`s[a:b]\` makes a new header over the same
  array (offset + a, length b − a, capacity cap − a), and \`push\` appends in place while the
  capacity allows, otherwise moves the header to a new array of twice the capacity (at least 4).
  A fixed array \`[N]T\` is an ordinary slice at run time.
- A **struct** is an object with one slot per field in declaration order; a **tuple** is an object
  with one slot per element (its shape is named \`tuple\`); an **enum value** is an object whose
  shape is its variant (\`Shape.Rect\` has two slots, \`Option.None\` none) and whose header word 3 holds the variant
  index, which \`VARIANT\` reads. Result and Option are ordinary enums: \`Ok\`/\`Some\` are variant 0.
- A **shape** (shapes section) lists which fields hold references; the collector traces exactly
  those.
- A **function value** (a closure, or a top-level function used as a value) is an object of a
  *closure shape*, one the closures section pairs with a function. Its fields are what the
  closure captured: a copy of a variable that cannot change, or the *box* of one that can (an
  object of shape \`box\` with one field, shared by the enclosing function and every closure that
  captured the variable). \`CALL_CLOSURE\` checks that its operand is an object of a closure shape
  whose function has the signature the call names (argument kinds, \`:\`, result kind), then runs
  that function with the object's fields as its first arguments, followed by the call's. A
  function value without captures is the one shared field-less object of its shape. The
  verifier checks every closure shape: its function exists, is not the entry, and takes the
  fields' declared types as its first parameters.
- A **dyn value** (\`dyn Trait\`) is an object of field 0 the value and field 1 its type's vtable
  number, of a shape \`dyn Trait\` whose variant is that number: one shape per implementing type,
  so the dispatcher's \`JNE_VARIANT\` on it tells the verifier the type of field 0.
- A **fiber** (a task) is one FIBER block: its registers and links (src/scheduler/fiber.ts), then
  its first stack: value slots (each frame's locals start at its base slot and its operand stack
  sits above them), then frame records (the caller's function index, return pc and base slot:
  three int32 words each), and last its own waiter record (src/scheduler/waiter.ts). A stack
  that outgrows the block is copied to a STACK block of its own, laid out the same way. Everything is in the shared arena, so a stack trace, a spill from the
  native tier and a fiber moving to another worker all read the same memory. The globals are a
  STACK block of slots.
- Memory is reclaimed by a precise, non-moving mark-sweep collector (src/heap/gc.ts): its roots
  are the globals, the interned string constants, every live frame's reference slots (the
  verifier's stack maps say which operand-stack slots hold references) and pinned objects.

## Value types

The types section declares, for every local, function result and global, and the fields section
for every field of every shape, the value type the verifier assumes of it
(src/bytecode/vtypes.ts). A value type is a short string:

| type | a value that is |
|---|---|
| \`n\` | a number (ints, floats, bools, chars, void, C addresses) |
| \`s\` | a string |
| \`[T\` | a slice of elements of type T (\`[n\`, \`[s\`, \`[[s\`) |
| \`o\`, \`oS\`, \`oS.T\` | an object of unknown shape (a function value); of shape S; of shape S or T (indices ascending): an enum's type is its variants' shapes, a dyn type its implementations' |
| \`hT\` | a task handle whose task returns T |
| \`m\` | a mutex |
| \`cT\` | a channel of elements of type T |
| \`x\` | a cell (a variable whose address is taken) |
| \`r\` | a reference the verifier knows no more of; it fits only where any reference does (POP, DUP, a store); never declared |
| \`IP\`, \`EP:k\`, \`SP\` | the arm index the SELECT at pc P pushed, an EQ of it with the constant k just pushed, and the status the SELECT or a reference CHAN_RECV at P pushed (numbers) |
| \`UP:b\` | the reference the SELECT or CHAN_RECV at pc P delivered, while it may be of several types or a 0 (a closed channel, an arm that delivers nothing): usable only once JMP_F or JMP_T on an \`EP:k\` and an \`SP\` have left possibilities (b) that all hold one type |

A declared type must be well formed, name shapes that exist, have its slot's kind, and not be or
hold \`r\` (nor the select's types): a file could otherwise declare a parameter "any reference"
and pass it anything. NEW_SLICE and CHAN_NEW name the element type of what they make, so an
empty slice literal and a new channel have one.

## The verifier

No function runs before \`verifyModule\` (src/bytecode/verify.ts) accepts the whole module, whether
it came from \`asthra run\` or from a file. A rejection exits with code 2:
\`asthra: FILE: bytecode rejected by the verifier: function 'NAME' at pc N: ...\`. It checks:

1. The entry function exists. For each function: arity ≤ locals, and the local-kind table has one
   byte per local. The code is not empty.
2. **Decoding.** Every opcode is in the table; no instruction is cut off by the end of the code;
   every operand is in range for its kind: \`local\` < the function's locals, \`global\` < the
   globals, \`num\`/\`str\` < the constant pools, \`fn\` < the functions, \`shape\` < the shapes, \`ity\`
   < ${INT_NAMES.length}, \`kind\` < 2, \`vty\` a string constant that is a value type, \`builtin\` < ${BUILTINS.length},
   \`field\`/\`count\` < 2^20. A \`CALL\`'s argument count
   equals the callee's arity; a \`CALL_CLOSURE\`'s equals its signature's (a string such as
   \`nr:n\`, which it pops after the closure object, and whose result kind it pushes). The fused instructions that compute on the locals they name
   (\`INC_LOCAL\`, \`LOCAL_ADD_I\`, \`LOCAL_SUB_IMM\`, \`JLT_LOCALS\`, \`JGE_LOCALS\`,
   \`J*_LOCAL_IMM\`) may only name number locals.
3. **Jumps.** Every jump target is inside the function and on an instruction boundary.
4. **Stack kinds.** A worklist walks every path through the control-flow graph, tracking the
   kind (n or r) of every operand-stack slot. Every instruction must find the kinds it pops
   (the table below, with the '*' entries resolved from its operands, the callee, the shape or
   the built-in); the stack may not underflow; at every join all incoming paths must have the
   same stack ("inconsistent stack at a join"); control may not fall off the end of the code
   (every path ends in \`RET\`, \`RET_LOCAL\`, \`JMP\` or \`TRAP\`); \`RET_LOCAL\` returns a local of the
   function's return kind; the highest stack reached may not exceed the declared max stack.
   A \`BUILTIN\`'s argument count is the built-in's. The entry function takes no arguments and
   returns a reference exactly when the meta section's main kind is 2 (a \`Result\`).
5. **Value types** (src/bytecode/typecheck.ts). A second worklist tracks the value type of every
   stack slot and local, joining the types of paths where they meet (two different kinds of
   object joined cannot be used; objects of two shapes are an object of either). Parameters start
   as the types section declares, other locals as unwritten; a \`JNE_VARIANT\` narrows the local it
   tests to the shapes of its variant where it falls through, to the others where it jumps. It rejects a read of a local that some path
   reaches without writing it; an instruction on the wrong kind of object (\`SLICE_PUSH\` on a
   string, \`MUTEX_LOCK\` on a slice, \`AWAIT\` on anything but a task handle of its result kind,
   a task handle passed to \`println\`); a slice, channel or handle whose element kind differs from
   the operand's; a field of an object of unknown shape, or one that some shape the object may be
   lacks or holds with another kind (an enum's payload read before its variant is tested);
   call arguments, results, globals and the fields \`NEW_OBJ\` and \`SET_FIELD\` store that do not
   fit their declared types. Call results, globals, fields, slice elements, channel values,
   awaited results and a select's delivered value have their declared or tracked types.

The stack shapes it computes are reused: the emitter takes each function's max stack from them,
the native tier compiles from them, and the collector reads them as stack maps.

What it does not check: an element of an empty slice literal and the value a \`SELECT\` delivers
when its receive and await arms deliver different types are references of unknown kind (\`r\`),
accepted where any reference is; the arguments after the captures of a \`CALL_CLOSURE\` are
checked by kind (its signature), not by type. A file written by this compiler always gets these
right.

## Instructions

A function's code is an array of 32-bit words: an opcode, then one word per operand. Jump
targets are absolute word offsets in the same function. The operand stack is written bottom to
top, left to right: \`SUB_I\` pops \`n n\` as \`a b\` and pushes \`a - b\`. In the pops and pushes
columns, \`n\` is a number, \`r\` a reference and \`–\` nothing. In the meaning column, capital
letters name the operands in order (the "written" column below; \`A\`/\`B\` are two locals).
The native column marks the instructions the native tier (src/vm/native.ts) translates to
JavaScript: a function that uses only these, returns a number, and calls only such functions,
is called natively; a function that uses any other runs natively only from its loop headers and
from where its task resumes after parking, up to the first instruction left to the interpreter. It computes on numbers only; references may pass through it (locals, arguments,
the closure of a \`CALL_CLOSURE\` whose result is a number), and the function a closure runs is
called natively when it qualifies, otherwise the interpreter makes the call.

Integer instructions carry the integer type T, and trap (\`runtime error: integer overflow\`) when
the exact result does not fit it. 64-bit types are exact within ±(2^53 − 1) and trap beyond.
Runtime errors raised by an instruction name the source position of that instruction (from the
line table) and every calling frame.

<!-- BEGIN GENERATED (operand kinds, integer types) by tools/gen-bytecode-doc.js -->
${operandKindTable()}

Integer type codes (operand \`ity\`):

${intTypeTable()}
<!-- END GENERATED (operand kinds, integer types) -->

### Opcode table

<!-- BEGIN GENERATED (opcode table) by tools/gen-bytecode-doc.js from OPS in src/bytecode/opcodes.ts; do not edit -->
${opcodeTable()}
<!-- END GENERATED (opcode table) -->

The fused instructions (\`INC_LOCAL\`, \`LOCAL_ADD_I\`, \`LOCAL_SUB_IMM\`, \`JLT_LOCALS\` and the
\`J*_LOCAL_IMM\` family, \`RET_LOCAL\`) are what the emitter writes for the commonest loop and
recursion shapes (\`i += 1\`, \`if n < 2\`, \`fib(n - 1)\`); each does what its unfused sequence would.

### Built-ins

Every function a program can call without declaring it is a row of the built-in table
(src/bytecode/builtins.ts). A call pushes its arguments in order (an \`any-printable\` argument
as its text), then compiles to a \`BUILTIN\` instruction or, for the functions that park the
running task, to an instruction of their own; a call always leaves one value (\`void\` is 0).

<!-- BEGIN GENERATED (built-in functions) by tools/gen-bytecode-doc.js from BUILTIN_FNS in src/bytecode/builtins.ts; do not edit -->
${builtinFnTable()}
<!-- END GENERATED (built-in functions) -->

\`BUILTIN B, N\` calls runtime built-in B with N arguments and pushes its result (0 for those that
return nothing; \`panic\` and \`exit\` do not return).

<!-- BEGIN GENERATED (built-ins) by tools/gen-bytecode-doc.js from BUILTINS in src/bytecode/builtins.ts; do not edit -->
${builtinTable()}
<!-- END GENERATED (built-ins) -->
`;
}

// ---------------------------------------------------------------- main
function main(argv) {
  const text = render();
  if (argv.includes('--stdout')) {
    process.stdout.write(text);
    return 0;
  }
  if (argv.includes('--check')) {
    const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : null;
    if (current === text) return 0;
    process.stderr.write(
      current === null
        ? 'docs/bytecode.md is missing; run `node tools/gen-bytecode-doc.js`\n'
        : 'docs/bytecode.md is out of date; run `npm run build && node tools/gen-bytecode-doc.js`\n',
    );
    return 1;
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), OUT) || OUT} (${OPS.length} opcodes, ${BUILTINS.length} built-ins)\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
