/*
 * runner.h — the Sunway runner's C interface: what runs on the MPE with no Node.js (the exported
 * generation program, backends/sunway/export/) and what the Node addon wraps. A launch program is
 * the records of backends/program/native/program.h ([opcode, tag, argCount, args...] as doubles,
 * pointers as addresses); device memory is the MPE's own memory, handed to the CPE kernels as
 * main-memory pointers.
 */
#ifndef GLM_SW_RUNNER_H
#define GLM_SW_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opens the runner for `chip` ("SW26010-Pro" or "SW26010"; NULL: the chip the kernels were built
 * for). 0 on success; -1 and glm_sw_error() otherwise. */
int glm_sw_open(const char *chip);
/* The chip the kernels were built for. */
const char *glm_sw_built_for(void);
/* The message of the last failure. */
const char *glm_sw_error(void);

/* Memory the kernels can reach (256-byte aligned); NULL and glm_sw_error() when none is left. */
void *glm_sw_alloc(size_t bytes);
void glm_sw_free(void *p);

/* Runs a launch program to its end. 0 on success; -1, glm_sw_error() and the failing record's tag
 * in *tag (when not NULL) otherwise. */
int glm_sw_run(const double *words, size_t count, int *tag);
/* The error flag raised by kernels since the last call (0: none; else the failing record's tag + 1),
 * cleared. */
int glm_sw_flag(void);

#ifdef __cplusplus
}
#endif

#endif /* GLM_SW_RUNNER_H */
