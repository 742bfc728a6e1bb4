/*
 * asthrademo: the small C library the C interop examples and tests call (examples/ffi_*.asthra,
 * spec-tests/ffi/). Built from this source by tools/build-clib.js with the machine's C compiler
 * into build/clib/libasthrademo.so; run the programs with --lib-path build/clib.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- one function per C type the FFI maps */
int8_t demo_neg_i8(int8_t x) { return (int8_t)-x; }
uint8_t demo_add_u8(uint8_t a, uint8_t b) { return (uint8_t)(a + b); }
int16_t demo_add_i16(int16_t a, int16_t b) { return (int16_t)(a + b); }
uint16_t demo_add_u16(uint16_t a, uint16_t b) { return (uint16_t)(a + b); }
int32_t demo_add_i32(int32_t a, int32_t b) { return a + b; }
uint32_t demo_add_u32(uint32_t a, uint32_t b) { return a + b; }
int64_t demo_add_i64(int64_t a, int64_t b) { return a + b; }
uint64_t demo_add_u64(uint64_t a, uint64_t b) { return a + b; }
size_t demo_add_usize(size_t a, size_t b) { return a + b; }
ptrdiff_t demo_sub_isize(ptrdiff_t a, ptrdiff_t b) { return a - b; }
float demo_halve_f32(float x) { return x / 2.0f; }
double demo_scale_f64(double x, double k) { return x * k; }
bool demo_is_even(int32_t x) { return x % 2 == 0; }
bool demo_not(bool b) { return !b; }
int64_t demo_sum6(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f) { return a + b + c + d + e + f; }

/* ---- strings: in as a NUL-terminated copy, out as a pointer the library owns */
size_t demo_strlen(const char *s) { return strlen(s); }
int32_t demo_count_char(const char *s, int32_t c) {
    int32_t n = 0;
    for (; *s; s++) if ((unsigned char)*s == c) n++;
    return n;
}
const char *demo_greeting(void) { return "hello from C"; }
const char *demo_null_string(void) { return NULL; }
/* an upper-case copy in a buffer of the library's (valid until the next call on that thread) */
const char *demo_upper(const char *s) {
    static _Thread_local char buf[256];
    size_t i = 0;
    for (; s[i] && i < sizeof buf - 1; i++) buf[i] = (char)toupper((unsigned char)s[i]);
    buf[i] = 0;
    return buf;
}

/* ---- pointers: an opaque counter object owned by C */
typedef struct { int64_t value; int32_t step; } demo_counter;
void *demo_counter_new(int32_t step) {
    demo_counter *c = malloc(sizeof *c);
    if (c) { c->value = 0; c->step = step; }
    return c;
}
int64_t demo_counter_next(void *p) { demo_counter *c = p; c->value += c->step; return c->value; }
void demo_counter_free(void *p) { free(p); }
bool demo_is_null(const void *p) { return p == NULL; }

/* ---- void results and state */
static int64_t demo_total = 0;
void demo_note(int64_t v) { demo_total += v; }
int64_t demo_noted(void) { return demo_total; }

/* ---- blocking: sleeps, then returns a code (the chapter's "blocking C call") */
static void sleep_ms(int32_t ms) {
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) { }
}
int32_t demo_slow_code(int32_t ms, int32_t code) {
    sleep_ms(ms);
    return code;
}
/* busy for about ms milliseconds of CPU, then returns code */
int32_t demo_spin_code(int32_t ms, int32_t code) {
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do { clock_gettime(CLOCK_MONOTONIC, &t); } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
    return code;
}

/*
 * A barrier for n callers: returns 1 once n calls are inside it at the same time, or 0 if that
 * has not happened within timeout_ms. (It shows that blocking calls run side by side.)
 */
static pthread_mutex_t barrier_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t barrier_cond = PTHREAD_COND_INITIALIZER;
static int32_t barrier_inside = 0;
static int32_t barrier_round = 0;
int32_t demo_barrier(int32_t n, int32_t timeout_ms) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&barrier_lock);
    int32_t round = barrier_round;
    int32_t ok = 1;
    if (++barrier_inside == n) {
        barrier_inside = 0;
        barrier_round++;
        pthread_cond_broadcast(&barrier_cond);
    } else {
        while (barrier_round == round) {
            if (pthread_cond_timedwait(&barrier_cond, &barrier_lock, &until) != 0) { ok = 0; barrier_inside--; break; }
        }
    }
    pthread_mutex_unlock(&barrier_lock);
    return ok;
}
