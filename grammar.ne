# The Asthra grammar. nearleyc compiles it to src/compiler/grammar.generated.js at build time.
#
# The grammar is unambiguous by construction (the parser asserts exactly one parse):
#  - Block-like expressions (if, if let, match, { }, unsafe { }) are primaries, but a statement
#    (or a block's value, or a match arm's expression) that starts with one is the block-like's
#    own statement form, as in Rust: `if c { a } else { b } - 1;` is two statements. The rules
#    that could read it both ways reject the expression reading (P.startsWithBlock).
#  - Struct literals are left out of the expression chain used in `if`/`while`/`match`/`for`
#    heads (the *N rules), so `if x == y { ... }` never reads `y { ... }` as a struct.
#  - `>>` is two `>` tokens, joined in the shift rule only when adjacent, so `Option<Result<T, E>>`
#    closes two type argument lists.

@{%
const { lexer } = require('./lexer');
const P = require('./parse-actions');
const { atom, binop, cmpop, logicop, prefix, member, assignop } = P.TOKEN_CLASSES;
%}
@lexer lexer

Program -> PackageDecl:? Item:*                        {% d => ({ packageName: d[0], items: d[1] }) %}
PackageDecl -> "package" %ident ";"                      {% d => d[1].value %}

Item -> Attr:* Vis:? ItemBody                           {% d => P.withVis(P.withAttrs(d[2], d[0]), d[1]) %}
Vis -> "pub" | "priv"
Attr -> "#[" %ident AttrArgs:? "]"                       {% d => ({ name: d[1].value, arg: d[2] || undefined, line: d[0].line, col: d[0].col }) %}
AttrArgs -> "(" AttrItems ")"                           {% d => d[1].join(', ') %}
AttrItems -> AttrItem                                   {% d => [d[0]] %}
  | AttrItems "," AttrItem                              {% d => [...d[0], d[2]] %}
AttrItem -> AttrWord                                    {% id %}
  | %ident "=" AttrWord                                  {% d => `${d[0].value} = ${d[2]}` %}
AttrWord -> %ident {% d => d[0].value %} | "none" {% d => 'none' %} | String {% d => d[0].value %} | %int {% d => d[0].value %}

ItemBody -> FnDecl                                      {% id %}
  | "struct" %ident TypeParams:? "{" FieldDecls "}"      {% d => P.node('Struct', d[0], { name: d[1].value, ...P.tparams(d[2]), fields: d[4] }) %}
  | "enum" %ident TypeParams:? "{" VariantDecls "}"      {% d => P.node('Enum', d[0], { name: d[1].value, ...P.tparams(d[2]), variants: d[4] }) %}
  | "impl" TypeParams:? %ident TypeArgs:? "{" Method:* "}"
      {% d => P.node('Impl', d[0], { name: d[2].value, ...P.tparams(d[1]), typeArgs: d[3] || [], trait: null, methods: d[5] }) %}
  | "impl" TypeParams:? %ident TypeArgs:? "for" %ident TypeArgs:? "{" Method:* "}"
      {% d => P.node('Impl', d[0], { name: d[5].value, ...P.tparams(d[1]), typeArgs: d[6] || [], trait: { name: d[2].value, args: d[3] || [], line: d[2].line, col: d[2].col }, methods: d[8] }) %}
  | "trait" %ident TypeParams:? "{" TraitItem:* "}"     {% d => P.node('Trait', d[0], { name: d[1].value, ...P.tparams(d[2]), methods: d[4] }) %}
  | "type" %ident TypeParams:? "=" Type ";"              {% d => P.node('TypeAlias', d[0], { name: d[1].value, ...P.tparams(d[2]), type: d[4] }) %}
  | "extern" String:? "fn" %ident "(" Params ")" RetType:? ";"
      {% d => P.node('Extern', d[0], { lib: d[1] ? d[1].value : 'libc', name: d[3].value, params: d[5], ret: d[7], attrs: [] }) %}
  | "let" "mut":? %ident ":" Type "=" Expr ";"          {% d => P.node('Global', d[0], { name: d[2].value, mut: true, isConst: false, type: d[4], init: d[6] }) %}
  | "const" %ident ":" Type "=" Expr ";"                {% d => P.node('Global', d[0], { name: d[1].value, mut: false, isConst: true, type: d[3], init: d[5] }) %}
  | "import" String ";"                                 {% d => P.node('Import', d[0], { path: d[1].value, alias: null }) %}
  | "import" String "as" %ident ";"                      {% d => P.node('Import', d[0], { path: d[1].value, alias: d[3].value, aliasAt: { line: d[3].line, col: d[3].col } }) %}

Method -> Attr:* Vis:? FnDecl                           {% d => P.withVis(P.withAttrs(d[2], d[0]), d[1]) %}
# A trait's method: a signature, or a default body the implementations may leave out.
TraitItem -> Attr:* Vis:? "fn" %ident TypeParams:? "(" Params ")" RetType:? ";"
      {% d => P.node('Fn', d[2], { name: d[3].value, ...P.tparams(d[4]), params: d[6], ret: d[8], body: null, attrs: d[0] }) %}
  | Method                                              {% id %}
FnDecl -> "fn" %ident TypeParams:? "(" Params ")" RetType:? Block
      {% d => P.node('Fn', d[0], { name: d[1].value, ...P.tparams(d[2]), params: d[4], ret: d[6], body: d[7], attrs: [] }) %}
RetType -> "->" Type                                    {% d => d[1] %}
# `<T, U: Shape + Show>`: names with optional trait bounds
TypeParams -> "<" TypeParamList ">"                     {% d => d[1] %}
TypeParamList -> TypeParam                              {% d => [d[0]] %}
  | TypeParamList "," TypeParam                         {% d => [...d[0], d[2]] %}
TypeParam -> %ident                                      {% d => ({ name: d[0].value, bounds: [] }) %}
  | %ident ":" BoundList                                 {% d => ({ name: d[0].value, bounds: d[2] }) %}
BoundList -> %ident                                      {% d => [d[0].value] %}
  | BoundList "+" %ident                                 {% d => [...d[0], d[2].value] %}
TypeArgs -> "<" TypeList ">"                            {% d => d[1] %}

Params -> null                                          {% () => [] %}
  | "none"                                              {% () => [] %}
  | "void"                                              {% () => [] %}
  | ParamList ",":?                                     {% id %}
ParamList -> Param                                      {% d => [d[0]] %}
  | ParamList "," Param                                 {% d => [...d[0], d[2]] %}
Param -> "mut":? %ident ":" Type                         {% d => ({ name: d[1].value, mut: !!d[0], type: d[3], line: d[1].line, col: d[1].col }) %}
  | "mut":? "self"                                      {% d => ({ name: 'self', mut: !!d[0], type: null, line: d[1].line, col: d[1].col }) %}

FieldDecls -> null                                      {% () => [] %}
  | "none"                                              {% () => [] %}
  | FieldList ",":?                                     {% id %}
FieldList -> FieldDecl                                  {% d => [d[0]] %}
  | FieldList "," FieldDecl                             {% d => [...d[0], d[2]] %}
FieldDecl -> Vis:? %ident ":" Type                       {% d => ({ name: d[1].value, type: d[3], line: d[1].line, col: d[1].col, pub: !!d[0] && d[0][0].value === 'pub' }) %}

VariantDecls -> null                                    {% () => [] %}
  | "none"                                              {% () => [] %}
  | VariantList ",":?                                   {% id %}
VariantList -> VariantDecl                              {% d => [d[0]] %}
  | VariantList "," VariantDecl                         {% d => [...d[0], d[2]] %}
VariantDecl -> Vis:? %ident                              {% d => ({ name: d[1].value, fields: [], line: d[1].line, col: d[1].col }) %}
  | Vis:? %ident "(" TypeList ")"                        {% d => ({ name: d[1].value, fields: d[3], line: d[1].line, col: d[1].col }) %}

# ---------------------------------------------------------------- types
Type -> %ident                                           {% d => P.node('TName', d[0], { name: d[0].value, args: [] }) %}
  | %ident "<" TypeList ">"                              {% d => P.node('TName', d[0], { name: d[0].value, args: d[2] }) %}
  | %ident "." %ident                                     {% d => P.node('TName', d[0], { name: `${d[0].value}.${d[2].value}`, args: [] }) %}
  | %ident "." %ident "<" TypeList ">"                    {% d => P.node('TName', d[0], { name: `${d[0].value}.${d[2].value}`, args: d[4] }) %}
  | "void"                                              {% d => P.node('TName', d[0], { name: 'void', args: [] }) %}
  | "(" ")"                                             {% d => P.node('TName', d[0], { name: 'void', args: [] }) %}
  | "[" "]" Type                                        {% d => P.node('TSlice', d[0], { elem: d[2] }) %}
  | "[" Expr "]" Type                                   {% d => P.node('TArray', d[0], { elem: d[3], size: d[1] }) %}
  | "(" Type "," ")"                                    {% d => P.node('TTuple', d[0], { elems: [d[1]] }) %}
  | "(" Type "," TypeList ")"                           {% d => P.node('TTuple', d[0], { elems: [d[1], ...d[3]] }) %}
  | "*" "const" Type                                    {% d => P.node('TPtr', d[0], { mut: false, elem: d[2] }) %}
  | "*" "mut" Type                                      {% d => P.node('TPtr', d[0], { mut: true, elem: d[2] }) %}
  | "fn" "(" TypeList:? ")" "->" Type                   {% d => P.node('TFn', d[0], { params: d[2] || [], ret: d[5] }) %}
  | "dyn" %ident                                         {% d => P.node('TDyn', d[0], { trait: d[1].value }) %}
  | "dyn" %ident "." %ident                               {% d => P.node('TDyn', d[0], { trait: `${d[1].value}.${d[3].value}` }) %}
TypeList -> Type                                        {% d => [d[0]] %}
  | TypeList "," Type                                   {% d => [...d[0], d[2]] %}

# ---------------------------------------------------------------- statements
Block -> "{" Stmt:* Tail:? "}"                          {% d => P.node('Block', d[0], { stmts: d[1], tail: d[2] }) %}
# A block's value expression; one that starts with a block-like is the statement form instead.
Tail -> Expr                                            {% P.notBlockStart %}

Stmt -> "let" "mut":? %ident LetType:? Attr:? "=" Expr ";"
      {% d => P.node('Let', d[0], d[4] ? { name: d[2].value, mut: !!d[1], type: d[3], init: d[6], attr: d[4] } : { name: d[2].value, mut: !!d[1], type: d[3], init: d[6] }) %}
  | Postfix %assignop Expr ";"                          {% (d, l, reject) => P.startsWithBlock(d[0]) ? reject : P.node('Assign', d[0], { op: P.assignOp(d[1]), target: d[0], value: d[2] }) %}
  | "*" Unary %assignop Expr ";"                       {% d => P.node('Assign', d[0], { op: P.assignOp(d[2]), target: P.node('Unary', d[0], { op: '*', operand: d[1] }), value: d[3] }) %}
  | Expr ";"                                            {% (d, l, reject) => P.startsWithBlock(d[0]) ? reject : P.node('ExprStmt', d[0], { expr: d[0], semi: true }) %}
  | BlockLike                                           {% d => P.node('ExprStmt', d[0], { expr: d[0], semi: false }) %}
  | BlockLike ";"                                       {% d => P.node('ExprStmt', d[0], { expr: d[0], semi: true }) %}
  | "return" Expr:? ";"                                {% d => P.node('Return', d[0], { value: d[1] }) %}
  | "break" ";"                                         {% d => P.node('Break', d[0], {}) %}
  | "continue" ";"                                      {% d => P.node('Continue', d[0], {}) %}
  | "while" ExprN Block                                 {% d => P.node('While', d[0], { cond: d[1], body: d[2] }) %}
  | "for" %ident "in" ExprN Block                        {% d => P.node('For', d[0], { name: d[1].value, iter: d[3], body: d[4] }) %}
  | "spawn" Postfix ";"                                 {% d => P.node('Spawn', d[0], { call: d[1] }) %}
  | "spawn_with_handle" %ident "=" Postfix ";"           {% d => P.node('SpawnHandle', d[0], { name: d[1].value, call: d[3] }) %}
  | "select" "{" SelArms "}"                            {% d => P.node('Select', d[0], { arms: d[2] }) %}
LetType -> ":" Type                                     {% d => d[1] %}

# (If's rules written out again in BlockLike: one rule fewer to predict per operand)
BlockLike -> "if" ExprN Block ElseTail:?                {% d => P.node('If', d[0], { cond: d[1], then: d[2], else: d[3] }) %}
  | "if" "let" Pattern "=" ExprN Block ElseTail:?       {% d => P.node('IfLet', d[0], { pattern: d[2], value: d[4], then: d[5], else: d[6] }) %}
  | "match" ExprN "{" Arm:* LastArm:? "}"               {% d => P.node('Match', d[0], { subject: d[1], arms: d[4] ? [...d[3], d[4]] : d[3] }) %}
  | Block                                               {% d => P.node('BlockExpr', d[0], { block: d[0], unsafe: false }) %}
  | "unsafe" Block                                      {% d => P.node('BlockExpr', d[0], { block: d[1], unsafe: true }) %}
If -> "if" ExprN Block ElseTail:?                       {% d => P.node('If', d[0], { cond: d[1], then: d[2], else: d[3] }) %}
  | "if" "let" Pattern "=" ExprN Block ElseTail:?       {% d => P.node('IfLet', d[0], { pattern: d[2], value: d[4], then: d[5], else: d[6] }) %}
ElseTail -> "else" Block                                {% d => P.node('BlockExpr', d[1], { block: d[1], unsafe: false }) %}
  | "else" If                                           {% d => d[1] %}

Arm -> Pattern "=>" BlockLike ",":?                     {% d => ({ pattern: d[0], body: d[2], line: d[0].line, col: d[0].col }) %}
  | Pattern "=>" ArmExpr ","                            {% d => ({ pattern: d[0], body: d[2], line: d[0].line, col: d[0].col }) %}
LastArm -> Pattern "=>" ArmExpr                         {% d => ({ pattern: d[0], body: d[2], line: d[0].line, col: d[0].col }) %}
ArmExpr -> Expr                                         {% P.notBlockStart %}
  | "return" Expr:?                                    {% d => P.stmtExpr(P.node('Return', d[0], { value: d[1] })) %}
  | "break"                                             {% d => P.stmtExpr(P.node('Break', d[0], {})) %}
  | "continue"                                          {% d => P.stmtExpr(P.node('Continue', d[0], {})) %}

# `select` is a word only here (`select`, `after` and `default` stay usable as names): a
# `select {` that opens at least one arm cannot be read as a struct literal. The arm head is
# `[name =] operation`; the checker tells recv, send, await, after(ms) and default apart.
SelArms -> SelArm:* SelLastArm                          {% d => [...d[0], d[1]] %}
  | SelArm:+                                            {% id %}
SelArm -> SelHead "=>" BlockLike ",":?                  {% d => P.selectArm(d[0], d[2]) %}
  | SelHead "=>" ArmExpr ","                            {% d => P.selectArm(d[0], d[2]) %}
SelLastArm -> SelHead "=>" ArmExpr                      {% d => P.selectArm(d[0], d[2]) %}
SelHead -> ExprN                                        {% d => ({ binding: null, op: d[0], line: d[0].line, col: d[0].col }) %}
  | %ident "=" ExprN                                     {% d => ({ binding: d[0].value, op: d[2], line: d[0].line, col: d[0].col }) %}

# ---------------------------------------------------------------- patterns
Pattern -> %ident                                        {% d => d[0].value === '_' ? P.node('PWild', d[0], {}) : P.node('PBind', d[0], { name: d[0].value }) %}
  | %ident "." %ident                                     {% d => P.node('PVariant', d[0], { enumName: d[0].value, variant: d[2].value, args: null }) %}
  | %ident "." %ident "(" PatList ")"                     {% d => P.node('PVariant', d[0], { enumName: d[0].value, variant: d[2].value, args: d[4] }) %}
  | %ident "::" %ident                                    {% d => P.node('PVariant', d[0], { enumName: d[0].value, variant: d[2].value, args: null }) %}
  | %ident "::" %ident "(" PatList ")"                    {% d => P.node('PVariant', d[0], { enumName: d[0].value, variant: d[2].value, args: d[4] }) %}
  | %ident "." %ident "." %ident                           {% d => P.node('PVariant', d[0], { enumName: `${d[0].value}.${d[2].value}`, variant: d[4].value, args: null }) %}
  | %ident "." %ident "." %ident "(" PatList ")"           {% d => P.node('PVariant', d[0], { enumName: `${d[0].value}.${d[2].value}`, variant: d[4].value, args: d[6] }) %}
  | "(" Pattern ")"                                     {% d => d[1] %}
  | "(" Pattern "," PatList ")"                         {% d => P.node('PTuple', d[0], { elems: [d[1], ...d[3]] }) %}
  | Literal                                             {% d => P.node('PLit', d[0], { value: d[0] }) %}
  | "-" Number                                          {% d => P.node('PLit', d[0], { value: P.node('Unary', d[0], { op: '-', operand: d[1] }) }) %}
PatList -> null                                         {% () => [] %}
  | PatItems                                            {% id %}
PatItems -> Pattern                                     {% d => [d[0]] %}
  | PatItems "," Pattern                                {% d => [...d[0], d[2]] %}

# ---------------------------------------------------------------- expressions
# Precedence, loosest first: `||`; `&&`; the comparisons (non-associative); `|`; `^`; `&`;
# `<<` `>>`; `+` `-`; `*` `/` `%`; `as`; the prefix operators; the postfix ones.
#
# The rules are shaped for the Earley parser's cost, which grows with the number of rules it
# predicts and completes at each token (an operand predicts every rule that can begin one):
#  - Logic (`&&`, `||`) and Arith (`|` to `%`, and `as`) are each one flat rule, an operand and
#    then operator-operand pairs, and parse-actions.ts builds the tree by precedence climbing
#    (P.chain); only the comparisons keep a rule of their own, which makes them non-associative.
#  - Terminals that play the same part are one token class (%binop, %atom, ...: parse-actions.ts
#    TOKEN_CLASSES), one Earley item where a rule per token would be many.
#  - Alternatives that share a first token share one rule up to where they differ (TypePath,
#    ParenTail, BracketTail).
Expr -> Logic                                           {% P.resolve %}
Logic -> Cmp                                            {% id %}
  | Logic %logicop Cmp                                  {% P.chain %}
Cmp -> Arith                                            {% P.resolve %}
  | Arith %cmpop Arith                                  {% P.compare %}
Arith -> Unary                                          {% id %}
  | Arith %binop Unary                                  {% P.chain %}
  | Arith ">" ">" Unary                                 {% P.chainShr %}
  | Arith "as" Type                                     {% P.cast %}
Unary -> %prefix Unary                                  {% P.prefix %}
  | "spawn_with_handle" Postfix                         {% d => P.node('SpawnExpr', d[0], { call: d[1] }) %}
  | Postfix                                             {% id %}
Postfix -> PrimaryN                                     {% id %}
  | BlockLike                                           {% id %}
  | TypePath "{" FieldInits "}"                         {% d => P.node('StructLit', d[0], { name: d[0].name, typeArgs: d[0].typeArgs, fields: d[2] }) %}
  | Postfix "." %member                                 {% d => P.node('Field', d[0], { object: d[0], name: d[2].value }) %}
  | Postfix "(" Args ")"                                {% d => P.node('Call', d[0], { callee: d[0], args: d[2] }) %}
  | Postfix "[" IndexTail                               {% P.index %}

# The same chain without struct literals, for `if`/`while`/`match`/`for` heads.
ExprN -> LogicN                                         {% P.resolve %}
LogicN -> CmpN                                          {% id %}
  | LogicN %logicop CmpN                                {% P.chain %}
CmpN -> ArithN                                          {% P.resolve %}
  | ArithN %cmpop ArithN                                {% P.compare %}
ArithN -> UnaryN                                        {% id %}
  | ArithN %binop UnaryN                                {% P.chain %}
  | ArithN ">" ">" UnaryN                               {% P.chainShr %}
  | ArithN "as" Type                                    {% P.cast %}
UnaryN -> %prefix UnaryN                                {% P.prefix %}
  | PostfixN                                            {% id %}
PostfixN -> PrimaryN                                    {% id %}
  | PostfixN "." %member                                {% d => P.node('Field', d[0], { object: d[0], name: d[2].value }) %}
  | PostfixN "(" Args ")"                               {% d => P.node('Call', d[0], { callee: d[0], args: d[2] }) %}
  | PostfixN "[" IndexTail                              {% P.index %}

# after `[` in `a[i]`, `a[lo:hi]`, `a[:]`
IndexTail -> Expr "]"                                   {% d => ({ op: 'index', index: d[0] }) %}
  | ":" "]"                                             {% d => ({ op: 'slice', lo: null, hi: null }) %}
  | Expr ":" "]"                                        {% d => ({ op: 'slice', lo: d[0], hi: null }) %}
  | ":" Expr "]"                                        {% d => ({ op: 'slice', lo: null, hi: d[1] }) %}
  | Expr ":" Expr "]"                                   {% d => ({ op: 'slice', lo: d[0], hi: d[2] }) %}
Args -> null                                            {% () => [] %}
  | "none"                                              {% () => [] %}
  | ExprList ",":?                                      {% id %}
ExprList -> Expr                                        {% d => [d[0]] %}
  | ExprList "," Expr                                   {% d => [...d[0], d[2]] %}

FieldInits -> null                                      {% () => [] %}
  | FieldInitList ",":?                                 {% id %}
FieldInitList -> FieldInit                              {% d => [d[0]] %}
  | FieldInitList "," FieldInit                         {% d => [...d[0], d[2]] %}
FieldInit -> %ident ":" Expr                            {% d => ({ name: d[0].value, value: d[2], line: d[0].line, col: d[0].col }) %}

# A type's name where an expression names one: `Point`, `Stack<i32>`, `geo.Point`, `sh.Stack<T>`.
TypePath -> %ident                                      {% d => ({ name: d[0].value, typeArgs: [], line: d[0].line, col: d[0].col }) %}
  | %ident TypeArgs                                     {% d => ({ name: d[0].value, typeArgs: d[1], line: d[0].line, col: d[0].col }) %}
  | %ident "." %ident                                   {% d => ({ name: `${d[0].value}.${d[2].value}`, typeArgs: [], line: d[0].line, col: d[0].col }) %}
  | %ident "." %ident TypeArgs                          {% d => ({ name: `${d[0].value}.${d[2].value}`, typeArgs: d[3], line: d[0].line, col: d[0].col }) %}

# %atom: a literal, a name or `self`
PrimaryN -> %atom                                       {% P.atom %}
  | TypePath "::" %ident                                {% d => P.node('Path', d[0], { type: d[0].name, typeArgs: d[0].typeArgs, name: d[2].value }) %}
  | "(" ParenTail                                       {% P.paren %}
  | "[" BracketTail                                     {% P.bracket %}
  | "sizeof" "(" Type ")"                               {% d => P.node('Sizeof', d[0], { type: d[2] }) %}
  | "fn" "(" Params ")" RetType:? Block                 {% d => P.node('FnLit', d[0], { params: d[2], ret: d[4], body: d[5] }) %}
# after `(`: `()`, `(e)`, `(e,)`, `(a, b, ...)`
ParenTail -> ")"                                        {% () => ({ elems: [] }) %}
  | Expr ")"                                            {% d => ({ inner: d[0] }) %}
  | Expr "," ")"                                        {% d => ({ elems: [d[0]] }) %}
  | Expr "," ExprList ",":? ")"                         {% d => ({ elems: [d[0], ...d[2]] }) %}
# after `[`: `[]`, `[none]`, `[a, b, ...]`, `[v; n]`
BracketTail -> "]"                                      {% () => ({ elems: [] }) %}
  | "none" "]"                                          {% () => ({ elems: [] }) %}
  | ExprList ",":? "]"                                  {% d => ({ elems: d[0] }) %}
  | Expr ";" Expr "]"                                   {% d => ({ value: d[0], count: d[2] }) %}

Literal -> Number                                       {% id %}
  | String                                              {% d => P.node('Str', d[0], { value: d[0].value }) %}
  | %char                                               {% d => P.node('Char', d[0], { value: P.charValue(d[0]) }) %}
  | "true"                                              {% d => P.node('Bool', d[0], { value: true }) %}
  | "false"                                             {% d => P.node('Bool', d[0], { value: false }) %}
  | "void"                                              {% d => P.node('Unit', d[0], {}) %}
Number -> %int                                          {% d => P.node('Int', d[0], { text: d[0].value }) %}
  | %float                                              {% d => P.node('Float', d[0], { text: d[0].value }) %}
String -> %string                                       {% d => P.str(d[0], 1, 1) %}
  | %longString                                         {% d => P.str(d[0], 3, 3) %}
  | %rawString                                          {% d => P.raw(d[0]) %}
