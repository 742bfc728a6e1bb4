// The instruction set's facts about i128 and u128 (the WCONST ... WTOSTR instructions): the
// operand codes and the ranges. The arithmetic is vm/wide.ts.

/** Operand `wty`: which of the two types. */
export const WIDE_NAMES = ['i128', 'u128'] as const;
export type WideName = (typeof WIDE_NAMES)[number];
/** Operand `wop`: WOP's operation, by index. */
export const WIDE_OPS = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'] as const;

export const WIDE_RANGE: readonly (readonly [bigint, bigint])[] = [
  [-(1n << 127n), (1n << 127n) - 1n],
  [0n, (1n << 128n) - 1n],
];

export function wideFits(v: bigint, wty: number): boolean {
  const [lo, hi] = WIDE_RANGE[wty];
  return v >= lo && v <= hi;
}

/** Is text a decimal integer one of the two types holds (WCONST's constant)? */
export function validWideConstant(text: string): boolean {
  if (!/^-?[0-9]{1,40}$/.test(text)) return false;
  const v = BigInt(text);
  return wideFits(v, 0) || wideFits(v, 1);
}
