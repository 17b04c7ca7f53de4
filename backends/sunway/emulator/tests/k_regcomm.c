/* Register communication (SW26010). k_regcomm: in every row the CPE of column 0 puts 4 words
 * (doublev4) to the rest of its row with REG_PUTR(v, 8) before anyone gets — 4 fit the assumed
 * buffer depth — then a row athread_syn, then the others REG_GETR them in order; each CPE of row 0
 * sends one word down its column to row 7 (REG_PUTC(v, 7)), which REG_GETCs it. Every CPE puts what
 * it received at out[8 * tid ..]: [sum of the 4 row words' lane 0 .. lane 3, the column word's
 * lane 0, lane 1, 0, 0]. k_reg_overrun: the CPE of column 0 puts 5 words to the rest of its row,
 * which return without getting any: 4 fill the buffers, the 5th blocks, and the spawn fails naming
 * the full buffer (instead of hanging). */
#include <crts.h>
#include <simd.h>

#include "k_args.h"

void k_regcomm(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    SW_LDM_ARRAY(float, got, 8);
    for (int i = 0; i < 8; i++) got[i] = 0;
    const int r = CRTS_rid, c = CRTS_cid;
    doublev4 v;
    if (c == 0)
        for (int w = 0; w < 4; w++) {
            v = (doublev4){r, w, 10 * r + w, 100};
            REG_PUTR(v, 8);
        }
    athread_syn(ROW_SCOPE, 0xff);
    if (c != 0)
        for (int w = 0; w < 4; w++) {
            REG_GETR(v);
            if (v[1] != w) sunway_emu_fail("row word %d arrived as word %g", w, v[1]);
            for (int l = 0; l < 4; l++) got[l] += (float)v[l];
        }
    if (r == 0) {
        v = (doublev4){c, 7, 0, 0};
        REG_PUTC(v, 7);
    }
    if (r == 7) {
        REG_GETC(v);
        got[4] = (float)v[0];
        got[5] = (float)v[1];
    }
    athread_syn(ARRAY_SCOPE, 0xffff);
    CRTS_dma_put(a.out + 8 * CRTS_tid, got, 8 * sizeof(float));
}

void k_reg_overrun(void *argp) {
    k_misc_arg a;
    CRTS_dma_get(&a, argp, sizeof a);
    doublev4 v = {1, 2, 3, 4};
    if (CRTS_cid == 0)
        for (int w = 0; w < 5; w++) REG_PUTR(v, 8);
}
