/*
 * chip.c — the chip variant and LDM budget, chosen at run time from the environment.
 *
 * GLM_SUNWAY_CHIP      SW26010 | SW26010-Pro (default)              shared/spec/sunway.md §1
 * GLM_SUNWAY_LDM_BUDGET  usable bytes per CPE, capped at CRTS_MAX_LDM_SIZE
 * GLM_SUNWAY_WAIT_TIMEOUT_MS  how long a wait or barrier may block before the spawn fails
 *
 * The LDM sizes are CRTS_MAX_LDM_SIZE of each chip: Pro (256 << 10), SW26010 64 KB. The default
 * budgets are assumptions (spec §8.2): on Pro ~220 KB (SWOPS allocates 221,184 bytes of 262,144);
 * on SW26010 60 KiB, leaving 4 KiB for the stack.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu.h"

static emu_chip_t chip;
static char config_error[256];
static pthread_once_t chip_once = PTHREAD_ONCE_INIT;

static void chip_read_env(void) {
    const char *v = getenv("GLM_SUNWAY_CHIP");
    chip.is_pro = 1;
    if (v && *v) {
        if (!strcasecmp(v, "SW26010")) chip.is_pro = 0;
        else if (strcasecmp(v, "SW26010-Pro") && strcasecmp(v, "SW26010Pro") && strcasecmp(v, "Pro"))
            snprintf(config_error, sizeof config_error,
                     "GLM_SUNWAY_CHIP=%s: expected SW26010 or SW26010-Pro", v);
    }
    chip.name = chip.is_pro ? "SW26010-Pro" : "SW26010";
    chip.cgs = chip.is_pro ? 6 : 4;
    chip.max_ldm = chip.is_pro ? (256u << 10) : (64u << 10);
    chip.budget = chip.is_pro ? (220u << 10) : (60u << 10);

    v = getenv("GLM_SUNWAY_LDM_BUDGET");
    if (v && *v) {
        char *end = NULL;
        unsigned long long b = strtoull(v, &end, 10);
        if (!end || *end || b == 0 || b > chip.max_ldm)
            snprintf(config_error, sizeof config_error,
                     "GLM_SUNWAY_LDM_BUDGET=%s: expected bytes in 1..%zu (CRTS_MAX_LDM_SIZE of %s)",
                     v, chip.max_ldm, chip.name);
        else
            chip.budget = (size_t)b;
    }

    chip.wait_timeout_ms = 20000;
    v = getenv("GLM_SUNWAY_WAIT_TIMEOUT_MS");
    if (v && *v) {
        long t = atol(v);
        if (t > 0) chip.wait_timeout_ms = t;
    }
}

const emu_chip_t *emu_chip(void) {
    pthread_once(&chip_once, chip_read_env);
    return &chip;
}

int emu_chip_config_error(char *buf, size_t n) {
    emu_chip();
    if (!config_error[0]) return 0;
    snprintf(buf, n, "%s", config_error);
    return 1;
}

int sunway_emu_chip_is_pro(void) { return emu_chip()->is_pro; }
int sunway_emu_cg_count(void) { return emu_chip()->cgs; }
size_t sunway_emu_max_ldm_size(void) { return emu_chip()->max_ldm; }
size_t sunway_emu_ldm_budget(void) { return emu_chip()->budget; }
const char *sunway_emu_chip_name(void) { return emu_chip()->name; }
