// The standard modules' functions written in Asthra. Each is compiled into a program that uses
// it, as a module of its own (modules.ts loads it on the first use of one of its functions), and
// runs like the program's own code: the numeric ones in the native tier, as fast as a built-in.
// The rest of io, str, math and os are built-ins (bytecode/builtins.ts): a single JavaScript
// call each, which Asthra code would only wrap. A name is either here or there, never both.

/** Module name -> its Asthra source (file name shown in traces: `std/<name>.asthra`). */
export const STD_SOURCES: Record<string, string> = {
  math: `package math;

// hypotenuse: the length of the vector (x, y)
pub fn hypot(x: f64, y: f64) -> f64 {
    return math.sqrt(x * x + y * y);
}

// -1.0, 0.0 or 1.0 by the sign of x (NaN for NaN)
pub fn sign(x: f64) -> f64 {
    if x > 0.0 {
        return 1.0;
    }
    if x < 0.0 {
        return -1.0;
    }
    return x;
}

// x limited to lo..hi
pub fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x < lo {
        return lo;
    }
    if x > hi {
        return hi;
    }
    return x;
}

pub fn is_nan(x: f64) -> bool {
    return x != x;
}

pub fn is_inf(x: f64) -> bool {
    return x == 1.0 / 0.0 || x == -1.0 / 0.0;
}

// greatest common divisor (never negative; gcd(0, 0) is 0)
pub fn gcd(a: i64, b: i64) -> i64 {
    let mut x: i64 = a;
    let mut y: i64 = b;
    if x < 0 {
        x = -x;
    }
    if y < 0 {
        y = -y;
    }
    while y != 0 {
        let t: i64 = x % y;
        x = y;
        y = t;
    }
    return x;
}

// least common multiple (0 when either is 0)
pub fn lcm(a: i64, b: i64) -> i64 {
    if a == 0 || b == 0 {
        return 0;
    }
    let g: i64 = gcd(a, b);
    let m: i64 = a / g * b;
    if m < 0 {
        return -m;
    }
    return m;
}
`,
  str: `package str;

pub fn is_empty(s: string) -> bool {
    return len(s) == 0;
}

// the number of characters (Unicode code points) in s; len(s) counts bytes
pub fn chars(s: string) -> i32 {
    return i32(len(str.split(s, "")));
}

// how many times sub occurs in s, without overlaps ("" occurs at each of chars(s) + 1 places)
pub fn count(s: string, sub: string) -> i32 {
    if len(sub) == 0 {
        return chars(s) + 1;
    }
    return i32(len(str.split(s, sub))) - 1;
}

// s with fill (one character) in front until it is width characters long
pub fn pad_left(s: string, width: i32, fill: string) -> string {
    let n: i32 = width - chars(s);
    if n <= 0 {
        return s;
    }
    return str.repeat(fill, n) + s;
}

// s with fill (one character) after it until it is width characters long
pub fn pad_right(s: string, width: i32, fill: string) -> string {
    let n: i32 = width - chars(s);
    if n <= 0 {
        return s;
    }
    return s + str.repeat(fill, n);
}
`,
};
