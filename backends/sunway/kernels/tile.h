/*
 * tile.h — matrices between main memory and LDM: a rows x cols tile of a row-major matrix with
 * leading dimension `ld` moves as ONE strided DMA (bsize = a row, stride = the rest of ld), non-
 * blocking so the next tile can be fetched while this one is used (double buffering). In LDM a tile
 * is packed [rows][cols] and computed on in f32: 16-bit data is fetched into the buffer's tail and
 * widened in place once it has arrived (tile_widen); results narrow in place before their put.
 */
#ifndef GLM_SW_TILE_H
#define GLM_SW_TILE_H

#include "cpe.h"

/* Start fetching tile (rows x cols at mem, leading dim ld, dtype) into buf; bumps *reply once. */
void tile_iget(float *buf, const void *mem, int64_t rows, int64_t cols, int64_t ld, int dtype, crts_rply_t *reply);
/* After the fetch's reply: widen 16-bit data to f32 in place (nothing to do for f32). */
void tile_widen(float *buf, int64_t count, int dtype);
/* Blocking fetch and widen. */
void tile_get(float *buf, const void *mem, int64_t rows, int64_t cols, int64_t ld, int dtype);
/* Narrow buf in place to dtype and put it as a rows x cols tile (blocking); buf is clobbered. */
void tile_put(void *mem, float *buf, int64_t rows, int64_t cols, int64_t ld, int dtype);
/* out[cols][rows] = in[rows][cols] (LDM). */
void tile_transpose(float *out, const float *in, int64_t rows, int64_t cols);

#endif /* GLM_SW_TILE_H */
