/*
 * error.c — how a failure inside a kernel becomes a failed spawn instead of a dead process.
 *
 * A CPE that breaks a rule records "kernel K, CPE c (CG g): ..." (the first error of a spawn wins),
 * raises the abort flag so that every other CPE leaves its waits and barriers, and siglongjmps back
 * into its worker loop. athread_join then returns -1 and sunway_emu_last_error() has the message.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

static pthread_mutex_t err_mu = PTHREAD_MUTEX_INITIALIZER;
static char last_error[EMU_ERR_BYTES];
static int have_last_error;
static int spawn_failed;
static volatile int abort_flag;

void emu_record_error(const char *msg) {
    pthread_mutex_lock(&err_mu);
    if (!spawn_failed) {
        spawn_failed = 1;
        snprintf(last_error, sizeof last_error, "%s", msg);
        have_last_error = 1;
    }
    pthread_mutex_unlock(&err_mu);
}

void emu_reset_spawn_error(void) {
    pthread_mutex_lock(&err_mu);
    spawn_failed = 0;
    pthread_mutex_unlock(&err_mu);
}

int emu_spawn_failed(void) {
    pthread_mutex_lock(&err_mu);
    int f = spawn_failed;
    pthread_mutex_unlock(&err_mu);
    return f;
}

void emu_set_abort(void) { __atomic_store_n(&abort_flag, 1, __ATOMIC_RELEASE); }
void emu_clear_abort(void) { __atomic_store_n(&abort_flag, 0, __ATOMIC_RELEASE); }
int emu_aborted(void) { return __atomic_load_n(&abort_flag, __ATOMIC_ACQUIRE); }

void emu_abort_self(void) {
    emu_cpe_t *c = emu_self;
    siglongjmp(c->jb, 1);
}

void emu_fail_self(const char *msg) {
    emu_cpe_t *c = emu_self;
    char full[EMU_ERR_BYTES];
    snprintf(full, sizeof full, "kernel %s, CPE %d (CG %d): %s", emu_cur.name, c->tid, c->cg, msg);
    emu_record_error(full);
    emu_set_abort();
    siglongjmp(c->jb, 1);
}

void sunway_emu_fail(const char *fmt, ...) {
    char msg[EMU_ERR_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (emu_self && emu_self->in_kernel) emu_fail_self(msg);
    /* Off a CPE there is no spawn to fail: the host broke a rule of the API itself. */
    fprintf(stderr, "sunway emulator (host): %s\n", msg);
    abort();
}

emu_cpe_t *emu_require_cpe(const char *api) {
    emu_cpe_t *c = emu_self;
    if (!c || !c->in_kernel) {
        fprintf(stderr, "sunway emulator: %s called outside a CPE kernel\n", api);
        abort();
    }
    if (emu_aborted()) emu_abort_self(); /* another CPE failed: stop here */
    return c;
}

const char *sunway_emu_last_error(void) {
    pthread_mutex_lock(&err_mu);
    const char *r = have_last_error ? last_error : NULL;
    pthread_mutex_unlock(&err_mu);
    return r;
}

void sunway_emu_clear_error(void) {
    pthread_mutex_lock(&err_mu);
    have_last_error = 0;
    last_error[0] = 0;
    pthread_mutex_unlock(&err_mu);
}
