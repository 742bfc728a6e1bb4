/*
 * asthrademo: the small C library the C interop examples and tests call (examples/ffi_*.asthra,
 * spec-tests/ffi/). Built from this source by tools/build-clib.js with the machine's C compiler
 * into build/clib/libasthrademo.so; run the programs with --lib-path build/clib.
 */
#include <ctype.h>
#include <pthread.h>
#include <signal.h>
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

/* ---- memory through pointers: C reads and writes what Asthra points it at */
void demo_fill_i32(int32_t *p, int32_t n, int32_t v) { for (int32_t i = 0; i < n; i++) p[i] = v + i; }
int64_t demo_sum_i32(const int32_t *p, int32_t n) { int64_t s = 0; for (int32_t i = 0; i < n; i++) s += p[i]; return s; }
void demo_store_f64(double *p, double v) { *p = v; }
/* a buffer and its length: sums the bytes, then adds k to each (C writes into the caller's buffer) */
int64_t demo_bytes_bump(uint8_t *p, size_t n, int32_t k) {
    int64_t s = 0;
    for (size_t i = 0; i < n; i++) { s += p[i]; p[i] = (uint8_t)(p[i] + k); }
    return s;
}
/* two pointers into one buffer: how many bytes b is past a (C sees a []u8's bytes where they are) */
int64_t demo_ptr_diff(const uint8_t *a, const uint8_t *b) { return (int64_t)(b - a); }
/* blocking: the same after sleeping ms (the task is parked meanwhile) */
int64_t demo_slow_bytes_bump(uint8_t *p, size_t n, int32_t k, int32_t ms);
void demo_slow_store_i64(int64_t *p, int64_t v, int32_t ms);

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
int64_t demo_slow_bytes_bump(uint8_t *p, size_t n, int32_t k, int32_t ms) { sleep_ms(ms); return demo_bytes_bump(p, n, k); }
/* blocking: sleeps, then stores v through p (a task's variable, written from an FFI thread) */
void demo_slow_store_i64(int64_t *p, int64_t v, int32_t ms) { sleep_ms(ms); *p = v; }
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

/* ---- callbacks: C calling Asthra functions */
typedef int32_t (*demo_int_cb)(int32_t);
/* calls f on this thread, during the call: f(x) + 1 */
int32_t demo_apply(demo_int_cb f, int32_t x) { return f(x) + 1; }
/* calls f for 0..n-1 on this thread and sums the results */
int64_t demo_sum_mapped(demo_int_cb f, int32_t n) {
    int64_t s = 0;
    for (int32_t i = 0; i < n; i++) s += f(i);
    return s;
}

/*
 * The chapter's asynchronous callbacks: register_callback starts a thread of the library's own
 * that calls cb `count` times, `interval_ms` apart, each time with a buffer of i + 1 bytes
 * (byte k holds k + 1), and returns at once. demo_callbacks_ok() counts the calls that returned 0.
 */
typedef int32_t (*demo_data_cb)(uint8_t *data, size_t len);
static demo_data_cb registered_cb;
static int32_t registered_count, registered_interval;
static volatile int32_t callbacks_ok = 0;
static uint8_t callback_buffers[64][64];
static void *callback_thread(void *arg) {
    (void)arg;
    for (int32_t i = 0; i < registered_count; i++) {
        uint8_t *buf = callback_buffers[i % 64];
        size_t len = (size_t)(i % 63) + 1;
        for (size_t k = 0; k < len; k++) buf[k] = (uint8_t)(k + 1);
        if (registered_cb(buf, len) == 0) __atomic_add_fetch(&callbacks_ok, 1, __ATOMIC_SEQ_CST);
        if (registered_interval > 0) sleep_ms(registered_interval);
    }
    return NULL;
}
int32_t register_callback(demo_data_cb cb, int32_t count, int32_t interval_ms) {
    pthread_t t;
    registered_cb = cb;
    registered_count = count;
    registered_interval = interval_ms;
    if (pthread_create(&t, NULL, callback_thread, NULL) != 0) return -1;
    pthread_detach(t);
    return 0;
}
int32_t demo_callbacks_ok(void) { return __atomic_load_n(&callbacks_ok, __ATOMIC_SEQ_CST); }

/* a thread of the library's that calls a void callback n times with 0..n-1, then returns */
typedef void (*demo_tick_cb)(int64_t);
static demo_tick_cb tick_cb;
static int32_t tick_n;
static int32_t tick_pause_ms;
static void *tick_thread(void *arg) {
    (void)arg;
    for (int32_t i = 0; i < tick_n; i++) {
        tick_cb(i);
        if (tick_pause_ms > 0) sleep_ms(tick_pause_ms);
    }
    return NULL;
}
/* start that thread, sleeping ms milliseconds between calls (0: as fast as it can) */
int32_t demo_start_paced_ticks(demo_tick_cb cb, int32_t n, int32_t ms) {
    pthread_t t;
    tick_cb = cb;
    tick_n = n;
    tick_pause_ms = ms;
    if (pthread_create(&t, NULL, tick_thread, NULL) != 0) return -1;
    pthread_detach(t);
    return 0;
}
int32_t demo_start_ticks(demo_tick_cb cb, int32_t n) { return demo_start_paced_ticks(cb, n, 0); }

/* ---- memory: a malloc'd buffer of n bytes (byte k holds k * 3 % 256) for the caller to own */
uint8_t *demo_make_bytes(int32_t n) {
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (p) for (int32_t k = 0; k < n; k++) p[k] = (uint8_t)(k * 3 % 256);
    return p;
}

/* ---- the chapter's blocking C function: works on a buffer for 300 ms; 0 if its bytes are 1..len */
uint8_t *demo_bytes_1_to_n(int32_t n) {
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (p) for (int32_t k = 0; k < n; k++) p[k] = (uint8_t)(k + 1);
    return p;
}
int32_t long_running_c_function(const uint8_t *data, size_t len) {
    sleep_ms(300);
    for (size_t k = 0; k < len; k++) if (data[k] != (uint8_t)(k + 1)) return 1;
    return 0;
}

/*
 * ---- crashes, on purpose (the tests of crash reports): demo_peek reads the int32 at address
 * addr (0 crashes with SIGSEGV); demo_raise raises signal sig, as a failed assert() raises
 * SIGABRT; demo_slow_peek sleeps ms first (a blocking call that crashes on an FFI thread);
 * demo_recurse recurses `depth` calls deep (a large depth overflows the C stack). Each returns only if it did not crash.
 */
int32_t demo_peek(const int32_t *addr) { return *(const volatile int32_t *)addr; }
int32_t demo_raise(int32_t sig) { raise(sig); return sig; }
/* (the read written out again: were it a call of demo_peek, compiled to a jump, the faulting
 * instruction would be demo_peek's, and a crash report that tells calls apart by the faulting
 * function could not find this one among others on the C thread pool) */
int32_t demo_slow_peek(const int32_t *addr, int32_t ms) { sleep_ms(ms); return *(const volatile int32_t *)addr; }
int32_t demo_recurse(int32_t n, int32_t depth) {
    volatile char frame[256];
    frame[0] = (char)n;
    if (n >= depth) return n;
    return demo_recurse(n + 1, depth) + frame[0];
}
