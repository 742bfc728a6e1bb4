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
%}
@lexer lexer

Program -> PackageDecl:? Item:*                        {% d => ({ packageName: d[0], items: d[1] }) %}
PackageDecl -> "package" Ident ";"                      {% d => d[1].value %}

Item -> Attr:* Vis:? ItemBody                           {% d => P.withVis(P.withAttrs(d[2], d[0]), d[1]) %}
Vis -> "pub" | "priv"
Attr -> "#[" Ident AttrArgs:? "]"                       {% d => ({ name: d[1].value, arg: d[2] || undefined, line: d[0].line, col: d[0].col }) %}
AttrArgs -> "(" AttrItems ")"                           {% d => d[1].join(', ') %}
AttrItems -> AttrItem                                   {% d => [d[0]] %}
  | AttrItems "," AttrItem                              {% d => [...d[0], d[2]] %}
AttrItem -> AttrWord                                    {% id %}
  | Ident "=" AttrWord                                  {% d => `${d[0].value} = ${d[2]}` %}
AttrWord -> Ident {% d => d[0].value %} | "none" {% d => 'none' %} | String {% d => d[0].value %} | %int {% d => d[0].value %}

ItemBody -> FnDecl                                      {% id %}
  | "struct" Ident TypeParams:? "{" FieldDecls "}"      {% d => P.node('Struct', d[0], { name: d[1].value, ...P.tparams(d[2]), fields: d[4] }) %}
  | "enum" Ident TypeParams:? "{" VariantDecls "}"      {% d => P.node('Enum', d[0], { name: d[1].value, ...P.tparams(d[2]), variants: d[4] }) %}
  | "impl" TypeParams:? Ident TypeArgs:? "{" Method:* "}"
      {% d => P.node('Impl', d[0], { name: d[2].value, ...P.tparams(d[1]), typeArgs: d[3] || [], trait: null, methods: d[5] }) %}
  | "impl" TypeParams:? Ident TypeArgs:? "for" Ident TypeArgs:? "{" Method:* "}"
      {% d => P.node('Impl', d[0], { name: d[5].value, ...P.tparams(d[1]), typeArgs: d[6] || [], trait: { name: d[2].value, args: d[3] || [], line: d[2].line, col: d[2].col }, methods: d[8] }) %}
  | "trait" Ident TypeParams:? "{" TraitItem:* "}"     {% d => P.node('Trait', d[0], { name: d[1].value, ...P.tparams(d[2]), methods: d[4] }) %}
  | "type" Ident TypeParams:? "=" Type ";"              {% d => P.node('TypeAlias', d[0], { name: d[1].value, ...P.tparams(d[2]), type: d[4] }) %}
  | "extern" String:? "fn" Ident "(" Params ")" RetType:? ";"
      {% d => P.node('Extern', d[0], { lib: d[1] ? d[1].value : 'libc', name: d[3].value, params: d[5], ret: d[7], attrs: [] }) %}
  | "let" "mut":? Ident ":" Type "=" ExprB ";"          {% d => P.node('Global', d[0], { name: d[2].value, mut: true, isConst: false, type: d[4], init: d[6] }) %}
  | "const" Ident ":" Type "=" ExprB ";"                {% d => P.node('Global', d[0], { name: d[1].value, mut: false, isConst: true, type: d[3], init: d[5] }) %}
  | "import" String ";"                                 {% d => P.node('Import', d[0], { path: d[1].value, alias: null }) %}
  | "import" String "as" Ident ";"                      {% d => P.node('Import', d[0], { path: d[1].value, alias: d[3].value, aliasAt: { line: d[3].line, col: d[3].col } }) %}

Method -> Attr:* Vis:? FnDecl                           {% d => P.withVis(P.withAttrs(d[2], d[0]), d[1]) %}
# A trait's method: a signature, or a default body the implementations may leave out.
TraitItem -> Attr:* Vis:? "fn" Ident TypeParams:? "(" Params ")" RetType:? ";"
      {% d => P.node('Fn', d[2], { name: d[3].value, ...P.tparams(d[4]), params: d[6], ret: d[8], body: null, attrs: d[0] }) %}
  | Method                                              {% id %}
FnDecl -> "fn" Ident TypeParams:? "(" Params ")" RetType:? Block
      {% d => P.node('Fn', d[0], { name: d[1].value, ...P.tparams(d[2]), params: d[4], ret: d[6], body: d[7], attrs: [] }) %}
RetType -> "->" Type                                    {% d => d[1] %}
# `<T, U: Shape + Show>`: names with optional trait bounds
TypeParams -> "<" TypeParamList ">"                     {% d => d[1] %}
TypeParamList -> TypeParam                              {% d => [d[0]] %}
  | TypeParamList "," TypeParam                         {% d => [...d[0], d[2]] %}
TypeParam -> Ident                                      {% d => ({ name: d[0].value, bounds: [] }) %}
  | Ident ":" BoundList                                 {% d => ({ name: d[0].value, bounds: d[2] }) %}
BoundList -> Ident                                      {% d => [d[0].value] %}
  | BoundList "+" Ident                                 {% d => [...d[0], d[2].value] %}
TypeArgs -> "<" TypeList ">"                            {% d => d[1] %}

Params -> null                                          {% () => [] %}
  | "none"                                              {% () => [] %}
  | "void"                                              {% () => [] %}
  | ParamList ",":?                                     {% id %}
ParamList -> Param                                      {% d => [d[0]] %}
  | ParamList "," Param                                 {% d => [...d[0], d[2]] %}
Param -> "mut":? Ident ":" Type                         {% d => ({ name: d[1].value, mut: !!d[0], type: d[3], line: d[1].line, col: d[1].col }) %}
  | "mut":? "self"                                      {% d => ({ name: 'self', mut: !!d[0], type: null, line: d[1].line, col: d[1].col }) %}

FieldDecls -> null                                      {% () => [] %}
  | "none"                                              {% () => [] %}
  | FieldList ",":?                                     {% id %}
FieldList -> FieldDecl                                  {% d => [d[0]] %}
  | FieldList "," FieldDecl                             {% d => [...d[0], d[2]] %}
FieldDecl -> Vis:? Ident ":" Type                       {% d => ({ name: d[1].value, type: d[3], line: d[1].line, col: d[1].col, pub: !!d[0] && d[0][0].value === 'pub' }) %}

VariantDecls -> null                                    {% () => [] %}
  | "none"                                              {% () => [] %}
  | VariantList ",":?                                   {% id %}
VariantList -> VariantDecl                              {% d => [d[0]] %}
  | VariantList "," VariantDecl                         {% d => [...d[0], d[2]] %}
VariantDecl -> Vis:? Ident                              {% d => ({ name: d[1].value, fields: [], line: d[1].line, col: d[1].col }) %}
  | Vis:? Ident "(" TypeList ")"                        {% d => ({ name: d[1].value, fields: d[3], line: d[1].line, col: d[1].col }) %}

# ---------------------------------------------------------------- types
Type -> Ident                                           {% d => P.node('TName', d[0], { name: d[0].value, args: [] }) %}
  | Ident "<" TypeList ">"                              {% d => P.node('TName', d[0], { name: d[0].value, args: d[2] }) %}
  | Ident "." Ident                                     {% d => P.node('TName', d[0], { name: `${d[0].value}.${d[2].value}`, args: [] }) %}
  | Ident "." Ident "<" TypeList ">"                    {% d => P.node('TName', d[0], { name: `${d[0].value}.${d[2].value}`, args: d[4] }) %}
  | "void"                                              {% d => P.node('TName', d[0], { name: 'void', args: [] }) %}
  | "(" ")"                                             {% d => P.node('TName', d[0], { name: 'void', args: [] }) %}
  | "[" "]" Type                                        {% d => P.node('TSlice', d[0], { elem: d[2] }) %}
  | "[" Expr "]" Type                                   {% d => P.node('TArray', d[0], { elem: d[3], size: d[1] }) %}
  | "(" Type "," ")"                                    {% d => P.node('TTuple', d[0], { elems: [d[1]] }) %}
  | "(" Type "," TypeList ")"                           {% d => P.node('TTuple', d[0], { elems: [d[1], ...d[3]] }) %}
  | "*" "const" Type                                    {% d => P.node('TPtr', d[0], { mut: false, elem: d[2] }) %}
  | "*" "mut" Type                                      {% d => P.node('TPtr', d[0], { mut: true, elem: d[2] }) %}
  | "fn" "(" TypeList:? ")" "->" Type                   {% d => P.node('TFn', d[0], { params: d[2] || [], ret: d[5] }) %}
  | "dyn" Ident                                         {% d => P.node('TDyn', d[0], { trait: d[1].value }) %}
  | "dyn" Ident "." Ident                               {% d => P.node('TDyn', d[0], { trait: `${d[1].value}.${d[3].value}` }) %}
TypeList -> Type                                        {% d => [d[0]] %}
  | TypeList "," Type                                   {% d => [...d[0], d[2]] %}

# ---------------------------------------------------------------- statements
Block -> "{" Stmt:* Tail:? "}"                          {% d => P.node('Block', d[0], { stmts: d[1], tail: d[2] }) %}
# A block's value expression; one that starts with a block-like is the statement form instead.
Tail -> Expr                                            {% P.notBlockStart %}

Stmt -> "let" "mut":? Ident LetType:? "=" ExprB ";"     {% d => P.node('Let', d[0], { name: d[2].value, mut: !!d[1], type: d[3], init: d[5] }) %}
  | "let" "mut":? Ident LetType:? Attr "=" ExprB ";"     {% d => P.node('Let', d[0], { name: d[2].value, mut: !!d[1], type: d[3], init: d[6], attr: d[4] }) %}
  | Postfix AssignOp ExprB ";"                          {% (d, l, reject) => P.startsWithBlock(d[0]) ? reject : P.node('Assign', d[0], { op: d[1], target: d[0], value: d[2] }) %}
  | "*" Unary AssignOp ExprB ";"                        {% d => P.node('Assign', d[0], { op: d[2], target: P.node('Unary', d[0], { op: '*', operand: d[1] }), value: d[3] }) %}
  | Expr ";"                                            {% (d, l, reject) => P.startsWithBlock(d[0]) ? reject : P.node('ExprStmt', d[0], { expr: d[0], semi: true }) %}
  | BlockLike                                           {% d => P.node('ExprStmt', d[0], { expr: d[0], semi: false }) %}
  | BlockLike ";"                                       {% d => P.node('ExprStmt', d[0], { expr: d[0], semi: true }) %}
  | "return" ExprB:? ";"                                {% d => P.node('Return', d[0], { value: d[1] }) %}
  | "break" ";"                                         {% d => P.node('Break', d[0], {}) %}
  | "continue" ";"                                      {% d => P.node('Continue', d[0], {}) %}
  | "while" ExprN Block                                 {% d => P.node('While', d[0], { cond: d[1], body: d[2] }) %}
  | "for" Ident "in" ExprN Block                        {% d => P.node('For', d[0], { name: d[1].value, iter: d[3], body: d[4] }) %}
  | "spawn" Postfix ";"                                 {% d => P.node('Spawn', d[0], { call: d[1] }) %}
  | "spawn_with_handle" Ident "=" Postfix ";"           {% d => P.node('SpawnHandle', d[0], { name: d[1].value, call: d[3] }) %}
  | "select" "{" SelArm:* SelLastArm "}"                {% d => P.node('Select', d[0], { arms: [...d[2], d[3]] }) %}
  | "select" "{" SelArm:+ "}"                           {% d => P.node('Select', d[0], { arms: d[2] }) %}
LetType -> ":" Type                                     {% d => d[1] %}
AssignOp -> "=" {% d => '=' %} | "+=" {% d => '+' %} | "-=" {% d => '-' %} | "*=" {% d => '*' %} | "/=" {% d => '/' %} | "%=" {% d => '%' %}

BlockLike -> If                                         {% id %}
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
  | "return" ExprB:?                                    {% d => P.stmtExpr(P.node('Return', d[0], { value: d[1] })) %}
  | "break"                                             {% d => P.stmtExpr(P.node('Break', d[0], {})) %}
  | "continue"                                          {% d => P.stmtExpr(P.node('Continue', d[0], {})) %}

# `select` is a word only here (`select`, `after` and `default` stay usable as names): a
# `select {` that opens at least one arm cannot be read as a struct literal. The arm head is
# `[name =] operation`; the checker tells recv, send, await, after(ms) and default apart.
SelArm -> SelHead "=>" BlockLike ",":?                  {% d => P.selectArm(d[0], d[2]) %}
  | SelHead "=>" ArmExpr ","                            {% d => P.selectArm(d[0], d[2]) %}
SelLastArm -> SelHead "=>" ArmExpr                      {% d => P.selectArm(d[0], d[2]) %}
SelHead -> ExprN                                        {% d => ({ binding: null, op: d[0], line: d[0].line, col: d[0].col }) %}
  | Ident "=" ExprN                                     {% d => ({ binding: d[0].value, op: d[2], line: d[0].line, col: d[0].col }) %}

# ---------------------------------------------------------------- patterns
Pattern -> Ident                                        {% d => d[0].value === '_' ? P.node('PWild', d[0], {}) : P.node('PBind', d[0], { name: d[0].value }) %}
  | Ident "." Ident                                     {% d => P.node('PVariant', d[0], { enumName: d[0].value, variant: d[2].value, args: null }) %}
  | Ident "." Ident "(" PatList ")"                     {% d => P.node('PVariant', d[0], { enumName: d[0].value, variant: d[2].value, args: d[4] }) %}
  | Ident "::" Ident                                    {% d => P.node('PVariant', d[0], { enumName: d[0].value, variant: d[2].value, args: null }) %}
  | Ident "::" Ident "(" PatList ")"                    {% d => P.node('PVariant', d[0], { enumName: d[0].value, variant: d[2].value, args: d[4] }) %}
  | Ident "." Ident "." Ident                           {% d => P.node('PVariant', d[0], { enumName: `${d[0].value}.${d[2].value}`, variant: d[4].value, args: null }) %}
  | Ident "." Ident "." Ident "(" PatList ")"           {% d => P.node('PVariant', d[0], { enumName: `${d[0].value}.${d[2].value}`, variant: d[4].value, args: d[6] }) %}
  | "(" Pattern ")"                                     {% d => d[1] %}
  | "(" Pattern "," PatList ")"                         {% d => P.node('PTuple', d[0], { elems: [d[1], ...d[3]] }) %}
  | Literal                                             {% d => P.node('PLit', d[0], { value: d[0] }) %}
  | "-" Number                                          {% d => P.node('PLit', d[0], { value: P.node('Unary', d[0], { op: '-', operand: d[1] }) }) %}
PatList -> null                                         {% () => [] %}
  | PatItems                                            {% id %}
PatItems -> Pattern                                     {% d => [d[0]] %}
  | PatItems "," Pattern                                {% d => [...d[0], d[2]] %}

# ---------------------------------------------------------------- expressions
# ExprB: an expression where one is delimited (kept as its own name for readers of the rules).
ExprB -> Expr {% id %}

Expr -> Or                                              {% id %}
Or -> Or "||" And                                       {% P.bin %}
  | And                                                 {% id %}
And -> And "&&" Cmp                                     {% P.bin %}
  | Cmp                                                 {% id %}
Cmp -> BitOr CmpOp BitOr                                {% P.bin %}
  | BitOr                                               {% id %}
BitOr -> BitOr "|" BitXor                               {% P.bin %}
  | BitXor                                              {% id %}
BitXor -> BitXor "^" BitAnd                             {% P.bin %}
  | BitAnd                                              {% id %}
BitAnd -> BitAnd "&" Shift                              {% P.bin %}
  | Shift                                               {% id %}
Shift -> Shift "<<" Add                                 {% P.bin %}
  | Shift ">" ">" Add                                   {% P.shr %}
  | Add                                                 {% id %}
Add -> Add AddOp Mul                                    {% P.bin %}
  | Mul                                                 {% id %}
Mul -> Mul MulOp Cast                                   {% P.bin %}
  | Cast                                                {% id %}
Cast -> Cast "as" Type                                  {% d => P.node('Cast', d[0], { expr: d[0], type: d[2] }) %}
  | Unary                                               {% id %}
Unary -> UnOp Unary                                     {% d => P.node('Unary', d[0], { op: d[0].value, operand: d[1] }) %}
  | "await" Unary                                       {% d => P.node('Await', d[0], { handle: d[1] }) %}
  | "try" Unary                                         {% d => P.node('Try', d[0], { expr: d[1] }) %}
  | "spawn_with_handle" Postfix                         {% d => P.node('SpawnExpr', d[0], { call: d[1] }) %}
  | Postfix                                             {% id %}
Postfix -> Primary                                      {% id %}
  | Postfix PostOp                                      {% d => P.post(d[0], d[1]) %}

# The same chain without struct literals, for `if`/`while`/`match`/`for` heads.
ExprN -> OrN                                            {% id %}
OrN -> OrN "||" AndN                                    {% P.bin %}
  | AndN                                                {% id %}
AndN -> AndN "&&" CmpN                                  {% P.bin %}
  | CmpN                                                {% id %}
CmpN -> BitOrN CmpOp BitOrN                             {% P.bin %}
  | BitOrN                                              {% id %}
BitOrN -> BitOrN "|" BitXorN                            {% P.bin %}
  | BitXorN                                             {% id %}
BitXorN -> BitXorN "^" BitAndN                          {% P.bin %}
  | BitAndN                                             {% id %}
BitAndN -> BitAndN "&" ShiftN                           {% P.bin %}
  | ShiftN                                              {% id %}
ShiftN -> ShiftN "<<" AddN                              {% P.bin %}
  | ShiftN ">" ">" AddN                                 {% P.shr %}
  | AddN                                                {% id %}
AddN -> AddN AddOp MulN                                 {% P.bin %}
  | MulN                                                {% id %}
MulN -> MulN MulOp CastN                                {% P.bin %}
  | CastN                                               {% id %}
CastN -> CastN "as" Type                                {% d => P.node('Cast', d[0], { expr: d[0], type: d[2] }) %}
  | UnaryN                                              {% id %}
UnaryN -> UnOp UnaryN                                   {% d => P.node('Unary', d[0], { op: d[0].value, operand: d[1] }) %}
  | "await" UnaryN                                      {% d => P.node('Await', d[0], { handle: d[1] }) %}
  | "try" UnaryN                                        {% d => P.node('Try', d[0], { expr: d[1] }) %}
  | PostfixN                                            {% id %}
PostfixN -> PrimaryN                                    {% id %}
  | PostfixN PostOp                                     {% d => P.post(d[0], d[1]) %}

CmpOp -> "==" {% id %} | "!=" {% id %} | "<" {% id %} | "<=" {% id %} | ">" {% id %} | ">=" {% id %}
AddOp -> "+" {% id %} | "-" {% id %}
MulOp -> "*" {% id %} | "/" {% id %} | "%" {% id %}
UnOp -> "-" {% id %} | "!" {% id %} | "~" {% id %} | "*" {% id %} | "&" {% id %}

PostOp -> "." Ident                                     {% d => ({ op: 'field', name: d[1].value }) %}
  | "." %int                                            {% d => ({ op: 'field', name: d[1].value }) %}
  | "(" Args ")"                                        {% d => ({ op: 'call', args: d[1] }) %}
  | "[" ExprB "]"                                       {% d => ({ op: 'index', index: d[1] }) %}
  | "[" ExprB:? ":" ExprB:? "]"                         {% d => ({ op: 'slice', lo: d[1], hi: d[3] }) %}
Args -> null                                            {% () => [] %}
  | "none"                                              {% () => [] %}
  | ExprList ",":?                                      {% id %}
ExprList -> ExprB                                       {% d => [d[0]] %}
  | ExprList "," ExprB                                  {% d => [...d[0], d[2]] %}

Primary -> PrimaryN                                     {% id %}
  | BlockLike                                           {% id %}
  | Ident "{" FieldInits "}"                            {% d => P.node('StructLit', d[0], { name: d[0].value, typeArgs: [], fields: d[2] }) %}
  | Ident TypeArgs "{" FieldInits "}"                   {% d => P.node('StructLit', d[0], { name: d[0].value, typeArgs: d[1], fields: d[3] }) %}
  | Ident "." Ident "{" FieldInits "}"                  {% d => P.node('StructLit', d[0], { name: `${d[0].value}.${d[2].value}`, typeArgs: [], fields: d[4] }) %}
  | Ident "." Ident TypeArgs "{" FieldInits "}"         {% d => P.node('StructLit', d[0], { name: `${d[0].value}.${d[2].value}`, typeArgs: d[3], fields: d[5] }) %}
FieldInits -> null                                      {% () => [] %}
  | FieldInitList ",":?                                 {% id %}
FieldInitList -> FieldInit                              {% d => [d[0]] %}
  | FieldInitList "," FieldInit                         {% d => [...d[0], d[2]] %}
FieldInit -> Ident ":" ExprB                            {% d => ({ name: d[0].value, value: d[2], line: d[0].line, col: d[0].col }) %}

PrimaryN -> Literal                                     {% id %}
  | Ident                                               {% d => P.node('Ident', d[0], { name: d[0].value }) %}
  | "self"                                              {% d => P.node('Ident', d[0], { name: 'self' }) %}
  | Ident "::" Ident                                    {% d => P.node('Path', d[0], { type: d[0].value, typeArgs: [], name: d[2].value }) %}
  | Ident TypeArgs "::" Ident                           {% d => P.node('Path', d[0], { type: d[0].value, typeArgs: d[1], name: d[3].value }) %}
  | Ident "." Ident "::" Ident                          {% d => P.node('Path', d[0], { type: `${d[0].value}.${d[2].value}`, typeArgs: [], name: d[4].value }) %}
  | Ident "." Ident TypeArgs "::" Ident                 {% d => P.node('Path', d[0], { type: `${d[0].value}.${d[2].value}`, typeArgs: d[3], name: d[5].value }) %}
  | "(" ExprB ")"                                       {% d => d[1] %}
  | "(" ")"                                             {% d => P.node('Unit', d[0], {}) %}
  | "(" ExprB "," ")"                                   {% d => P.node('TupleLit', d[0], { elems: [d[1]] }) %}
  | "(" ExprB "," ExprList ",":? ")"                    {% d => P.node('TupleLit', d[0], { elems: [d[1], ...d[3]] }) %}
  | "[" "]"                                             {% d => P.node('ArrayLit', d[0], { elems: [] }) %}
  | "[" "none" "]"                                      {% d => P.node('ArrayLit', d[0], { elems: [] }) %}
  | "[" ExprList ",":? "]"                              {% d => P.node('ArrayLit', d[0], { elems: d[1] }) %}
  | "[" ExprB ";" Expr "]"                              {% d => P.node('ArrayRepeat', d[0], { value: d[1], count: d[3] }) %}
  | "sizeof" "(" Type ")"                               {% d => P.node('Sizeof', d[0], { type: d[2] }) %}
  | "fn" "(" Params ")" RetType:? Block                 {% d => P.node('FnLit', d[0], { params: d[2], ret: d[4], body: d[5] }) %}

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
Ident -> %ident                                         {% id %}
