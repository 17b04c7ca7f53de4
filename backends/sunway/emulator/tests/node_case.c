/* Two spawns for the in-Node test (tests/backends/sunway-emulator.test.ts loads this library with
 * koffi): case 0 runs a kernel that reads main memory without DMA, case 1 the strided round trip.
 * Returns athread_join's result; the message is sunway_emu_last_error(). The point: a kernel fault
 * inside a Node process fails the spawn, with V8's own SIGSEGV handler still installed. */
#include <athread.h>
#include <stdlib.h>

#include "k_args.h"

extern void SLAVE_FUN(k_direct_data)(void *);
extern void SLAVE_FUN(k_stride)(void *);

int emu_node_case(int which) {
    if (athread_init() != 0) return -2;
    long rows = 40, cols = 128;
    float *in = calloc((size_t)(rows * cols), sizeof(float));
    float *out = calloc((size_t)(rows * cols), sizeof(float));
    int rc;
    if (which == 0) {
        k_misc_arg a = {sunway_emu_main_ptr(out), sunway_emu_main_ptr(in), 64};
        athread_spawn(k_direct_data, &a);
        rc = athread_join();
    } else {
        for (long i = 0; i < rows * cols; i++) in[i] = (float)i;
        k_stride_arg a = {sunway_emu_main_ptr(in), sunway_emu_main_ptr(out), rows, cols};
        athread_spawn(k_stride, &a);
        rc = athread_join();
        for (long i = 0; rc == 0 && i < rows * cols; i++)
            if (out[i] != 2 * in[i] + 1) rc = -3;
    }
    free(in);
    free(out);
    return rc;
}
