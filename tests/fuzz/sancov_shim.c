/* Coverage shim for fuzzing Cython modules built by gcc under atheris (libFuzzer).
 *
 * gcc has no inline-8bit-counters instrumentation (clang's default for libFuzzer); it has
 * ``-fsanitize-coverage=trace-pc`` (a call per basic block) and ``trace-cmp``. libFuzzer treats
 * ``__sanitizer_cov_trace_pc`` as deprecated, so this shim, linked (uninstrumented) into the
 * instrumented module, implements both hooks locally:
 *   - trace_pc bumps an 8-bit counter chosen by a hash of the caller's PC; the counter array
 *     (and a fake PC table of the same length) is registered with libFuzzer by the fuzz script
 *     through ``px_sancov_register`` (its addresses come from ctypes, after ``atheris.Setup``);
 *   - trace_cmp* forward to libFuzzer's own hooks once registered (no-ops before that), which
 *     feeds compared constants to the mutator.
 * Every symbol is hidden except ``px_sancov_register``, so two instrumented modules do not clash.
 */
#include <stddef.h>
#include <stdint.h>

#define PX_NCOUNTERS (1u << 16)
#define HIDDEN __attribute__((visibility("hidden")))

static uint8_t px_counters[PX_NCOUNTERS] __attribute__((aligned(64)));
static uintptr_t px_pcs[2 * PX_NCOUNTERS];

typedef void (*cmp1_t)(uint8_t, uint8_t);
typedef void (*cmp2_t)(uint16_t, uint16_t);
typedef void (*cmp4_t)(uint32_t, uint32_t);
typedef void (*cmp8_t)(uint64_t, uint64_t);
typedef void (*switch_t)(uint64_t, uint64_t *);
typedef void (*counters_init_t)(uint8_t *, uint8_t *);
typedef void (*pcs_init_t)(const uintptr_t *, const uintptr_t *);

static cmp1_t f_cmp1, f_ccmp1;
static cmp2_t f_cmp2, f_ccmp2;
static cmp4_t f_cmp4, f_ccmp4;
static cmp8_t f_cmp8, f_ccmp8;
static switch_t f_switch;
static int px_registered;

HIDDEN void __sanitizer_cov_trace_pc(void) {
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    uint32_t h = (uint32_t)(((uint64_t)pc * 0x9E3779B97F4A7C15ull) >> 48);
    px_counters[h & (PX_NCOUNTERS - 1)]++;
}

HIDDEN void __sanitizer_cov_trace_cmp1(uint8_t a, uint8_t b) { if (f_cmp1) f_cmp1(a, b); }
HIDDEN void __sanitizer_cov_trace_cmp2(uint16_t a, uint16_t b) { if (f_cmp2) f_cmp2(a, b); }
HIDDEN void __sanitizer_cov_trace_cmp4(uint32_t a, uint32_t b) { if (f_cmp4) f_cmp4(a, b); }
HIDDEN void __sanitizer_cov_trace_cmp8(uint64_t a, uint64_t b) { if (f_cmp8) f_cmp8(a, b); }
HIDDEN void __sanitizer_cov_trace_const_cmp1(uint8_t a, uint8_t b) { if (f_ccmp1) f_ccmp1(a, b); }
HIDDEN void __sanitizer_cov_trace_const_cmp2(uint16_t a, uint16_t b) { if (f_ccmp2) f_ccmp2(a, b); }
HIDDEN void __sanitizer_cov_trace_const_cmp4(uint32_t a, uint32_t b) { if (f_ccmp4) f_ccmp4(a, b); }
HIDDEN void __sanitizer_cov_trace_const_cmp8(uint64_t a, uint64_t b) { if (f_ccmp8) f_ccmp8(a, b); }
HIDDEN void __sanitizer_cov_trace_switch(uint64_t v, uint64_t *cases) { if (f_switch) f_switch(v, cases); }
HIDDEN void __sanitizer_cov_trace_cmpf(float a, float b) { (void)a; (void)b; }
HIDDEN void __sanitizer_cov_trace_cmpd(double a, double b) { (void)a; (void)b; }

/* fns: counters_init, pcs_init, cmp1, cmp2, cmp4, cmp8, const_cmp1..8, switch (11 pointers).
 * Returns the number of counters registered (0 if already done). */
__attribute__((visibility("default"))) size_t px_sancov_register(void **fns) {
    if (px_registered) return 0;
    for (size_t i = 0; i < PX_NCOUNTERS; i++) {
        px_pcs[2 * i] = (uintptr_t)&px_counters[i];
        px_pcs[2 * i + 1] = 0;
    }
    ((counters_init_t)fns[0])(px_counters, px_counters + PX_NCOUNTERS);
    ((pcs_init_t)fns[1])(px_pcs, px_pcs + 2 * PX_NCOUNTERS);
    f_cmp1 = (cmp1_t)fns[2];
    f_cmp2 = (cmp2_t)fns[3];
    f_cmp4 = (cmp4_t)fns[4];
    f_cmp8 = (cmp8_t)fns[5];
    f_ccmp1 = (cmp1_t)fns[6];
    f_ccmp2 = (cmp2_t)fns[7];
    f_ccmp4 = (cmp4_t)fns[8];
    f_ccmp8 = (cmp8_t)fns[9];
    f_switch = (switch_t)fns[10];
    px_registered = 1;
    return PX_NCOUNTERS;
}
