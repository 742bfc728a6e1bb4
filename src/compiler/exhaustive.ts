// Match exhaustiveness and reachability, by the usefulness algorithm of Maranget's
// "Warnings for pattern matching" (2007), the one rustc and OCaml use: a pattern vector q is
// useful against rows P if some value matches q and no row of P. A match is exhaustive when `_`
// is not useful after all arms; an arm is unreachable when it is not useful after the arms above.
import type { Expr, Pattern } from './ast';
import type { EnumInfo, StructInfo } from './scope';
import { parseIntLiteral, Ty } from './types';

interface Ctor {
  key: string;
  arity: number;
}

const WILD: Pattern = { kind: 'PWild', line: 0, col: 0 };

export class PatternSpace {
  constructor(readonly enums: Map<string, EnumInfo>, readonly structs: Map<string, StructInfo>) {}

  /** Every constructor of a type, or null when there are too many to list (ints, strings). */
  allCtors(t: Ty): Ctor[] | null {
    switch (t.k) {
      case 'bool': return [{ key: 'true', arity: 0 }, { key: 'false', arity: 0 }];
      case 'void': return [{ key: 'void', arity: 0 }];
      case 'tuple': return [{ key: 'tuple', arity: t.elems.length }];
      case 'enum': {
        const en = this.enums.get(t.name)!;
        return en.variants.map((v, i) => ({ key: `v${i}`, arity: v.fields(t.args).length }));
      }
      default: return null;
    }
  }

  argTypes(t: Ty, c: Ctor): Ty[] {
    if (t.k === 'tuple') return t.elems;
    if (t.k === 'enum') {
      const en = this.enums.get(t.name)!;
      return en.variants[Number(c.key.slice(1))].fields(t.args);
    }
    return [];
  }
}

function headCtor(p: Pattern): { ctor: Ctor; args: Pattern[] } | null {
  switch (p.kind) {
    case 'PWild': case 'PBind': return null;
    case 'PTuple': return { ctor: { key: 'tuple', arity: p.elems.length }, args: p.elems };
    case 'PVariant': {
      const vi = (p as { fieldIndex?: number }).fieldIndex ?? 0;
      const args = p.args ?? [];
      return { ctor: { key: `v${vi}`, arity: args.length }, args };
    }
    case 'PLit': return { ctor: { key: literalKey(p.value), arity: 0 }, args: [] };
  }
}

function literalKey(e: Expr): string {
  switch (e.kind) {
    case 'Bool': return String(e.value);
    case 'Int': return `i${parseIntLiteral(e.text)}`;
    case 'Unary': return e.operand.kind === 'Int' ? `i${-parseIntLiteral(e.operand.text)}` : `f-${(e.operand as { text: string }).text}`;
    case 'Float': return `f${Number(e.text)}`;
    case 'Str': return `s${e.value}`;
    case 'Char': return `c${e.value}`;
    case 'Unit': return 'void';
    default: return `?${e.line}:${e.col}`;
  }
}

function specialize(row: Pattern[], c: Ctor): Pattern[] | null {
  const h = headCtor(row[0]);
  if (h === null) return [...Array<Pattern>(c.arity).fill(WILD), ...row.slice(1)];
  if (h.ctor.key !== c.key) return null;
  return [...h.args, ...row.slice(1)];
}

export function isUseful(space: PatternSpace, rows: Pattern[][], q: Pattern[], tys: Ty[]): boolean {
  if (q.length === 0) return rows.length === 0;
  const t = tys[0];
  const h = headCtor(q[0]);
  const specializeAll = (c: Ctor): boolean => {
    const argTys = space.argTypes(t, c);
    const sub = rows.map((r) => specialize(r, c)).filter((r): r is Pattern[] => r !== null);
    return isUseful(space, sub, specialize(q, c)!, [...argTys, ...tys.slice(1)]);
  };
  if (h !== null) return specializeAll(h.ctor);
  const all = space.allCtors(t);
  const used = new Set(rows.map((r) => headCtor(r[0])?.ctor.key).filter((k) => k !== undefined));
  if (all !== null && all.every((c) => used.has(c.key))) return all.some(specializeAll);
  const defaults = rows.filter((r) => headCtor(r[0]) === null).map((r) => r.slice(1));
  return isUseful(space, defaults, q.slice(1), tys.slice(1));
}
