// How numbers become text (string concatenation, to_string, log). Integers print in decimal.
// Floats print as the shortest text that reads back to the same double (JavaScript's rule, as
// Go's %v and Rust's Display also do), so 1.0 prints "1" and 0.1 + 0.2 prints
// "0.30000000000000004"; infinities and NaN print as "Infinity", "-Infinity" and "NaN".

export function formatFloat(x: number): string {
  return String(x);
}
