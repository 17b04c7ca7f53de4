/* An 80 KiB __thread_local array, in a module of its own (the emulator charges a module's whole
 * __thread_local segment to each CPE's LDM, as the chip holds all of a slave image's LDM data):
 * fits Pro's budget, not SW26010's 60 KiB. */
#include <crts.h>

#include "k_args.h"

__thread_local float tls_big[20480];

void k_tls_big(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    tls_big[CRTS_tid] = (float)CRTS_tid;
    CRTS_dma_put(a.out + CRTS_tid, &tls_big[CRTS_tid], sizeof(float));
}
