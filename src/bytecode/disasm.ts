// The disassembler: a readable listing of a Module, from the same opcode table the VM runs,
// with each source line printed above the code it compiled to (like `luac -l -l`).
import { BUILTINS } from './builtins';
import { CTYPE_NAMES } from './ctypes';
import { WIDE_NAMES, WIDE_OPS } from './wide';
import { OPS, forEachInstruction } from './opcodes';
import { FnProto, Module, sourceAt } from './module';
import { describe } from './vtypes';

export function disassemble(m: Module): string {
  const src = m.source.split('\n');
  const out: string[] = [];
  out.push(`; ${m.sourceName}: ${m.functions.length} functions, ${m.numbers.length} numbers, ${m.strings.length} strings, ${m.shapes.length} shapes, ${m.globals.length} globals`);
  m.globals.forEach((g, i) => out.push(`; global ${i} ${g.name} (${g.kind ? 'ref' : 'num'})`));
  m.externs.forEach((x, i) => {
    const sig = `(${[...x.params].map((t) => CTYPE_NAMES[t] ?? '?').join(', ')}) -> ${CTYPE_NAMES[x.ret] ?? '?'}`;
    const lib = x.lib === '' ? 'the C library' : JSON.stringify(x.lib);
    out.push(`; extern ${i} ${x.name} = ${x.symbol}${sig} from ${lib}, ${x.blocking ? 'blocking' : 'non-blocking'} (line ${x.line})`);
  });
  m.shapes.forEach((s, i) => {
    const fields = s.fields === undefined || s.fields.length === 0 ? '' : ` fields (${s.fields.join(', ')})`;
    out.push(`; shape ${i} ${s.name} variant ${s.variant} [${[...s.refs].map((k) => (k ? 'r' : 'n')).join('')}]${fields}${s.fn === undefined ? '' : ` closure of fn ${s.fn}`}`);
  });
  m.functions.forEach((f, i) => {
    out.push('');
    out.push(`fn ${i} ${f.name}: arity ${f.arity}, locals ${f.nlocals}, max stack ${f.maxStack}${i === m.entry ? ' (entry)' : ''}`);
    out.push(...listFunction(m, f, src));
  });
  return out.join('\n') + '\n';
}

function listFunction(m: Module, f: FnProto, src: string[]): string[] {
  const out: string[] = [];
  let li = 0;
  let lastLine = -1;
  forEachInstruction(f.code, (pc, op) => {
    while (li < f.lines.length && f.lines[li] <= pc) {
      const line = f.lines[li + 1];
      const at = sourceAt(m, line);
      const where = at.file === m.sourceName ? `${at.line}` : `${at.file}:${at.line}`;
      if (line !== lastLine && at.text !== undefined) out.push(`      ; ${where}: ${at.text.trim()}`);
      lastLine = line;
      li += 3;
    }
    const info = OPS[op];
    if (!info) {
      out.push(`  ${String(pc).padStart(5)}  ??? ${op}`);
      return;
    }
    const args = info.operands.map((kind, i) => {
      const v = f.code[pc + 1 + i];
      switch (kind) {
        case 'num': return `${v} (${m.numbers[v]})`;
        case 'str': return `${v} ${JSON.stringify(m.strings[v] ?? '?')}`;
        case 'vty': return m.strings[v] === undefined ? `${v} ?` : `${v} (elements: ${describe(m, m.strings[v])})`;
        case 'fn': return `${v} <${m.functions[v]?.name ?? '?'}>`;
        case 'global': return `${v} <${m.globals[v]?.name ?? '?'}>`;
        case 'shape': return `${v} <${m.shapes[v]?.name ?? '?'}>`;
        case 'builtin': return `${v} <${BUILTINS[v]?.name ?? '?'}>`;
        case 'extern': return `${v} <${m.externs[v]?.name ?? '?'}>`;
        case 'jump': return `-> ${v}`;
        case 'ctype': return CTYPE_NAMES[v] ?? String(v);
        case 'wty': return WIDE_NAMES[v] ?? String(v);
        case 'wop': return WIDE_OPS[v] ?? String(v);
        default: return String(v);
      }
    });
    out.push(`  ${String(pc).padStart(5)}  ${info.name.padEnd(14)}${args.join(', ')}`);
  });
  return out;
}
