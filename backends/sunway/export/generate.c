/*
 * generate.c — greedy GLM generation on a Sunway node from the tree `glm export --backend sunway`
 * wrote: no Node.js, only the runner library (src/runner, the CPE kernels in src/kernels).
 *
 *   glm-generate [DIR]     (DIR: the exported tree, default ".")
 *
 * Reads plan/prefill.plan and plan/decode.plan (launch records with symbolic pointers), allocates
 * every tensor they bind (weights from weights/, a zeroed KV cache the present outputs alias), reads
 * prompt.txt (the prompt as token ids, tokenized at export time), then runs the prefill and one decode
 * step per token, each step's next token being the device's top-1 (the graph's top_indices), until an
 * end token or out_seq_length — the SDK's greedy decoding (glm run --top-k 1) of one blank. Prints the
 * generated token ids on stdout, one line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

#define MAX_TENSORS 4096
#define MAX_NODES 8192
#define NAME_BYTES 128 /* a name as the files spell it (read with %127s) */
#define KEY_BYTES 176  /* "role:name", "name (op)" */

typedef struct {
    char name[KEY_BYTES];
    char *data;
    size_t bytes;
} tensor;

/* Every tensor of both plans, by name (weights and the cache are shared by the two). */
static tensor tensors[MAX_TENSORS];
static int tensor_count;

typedef struct {
    double *words;      /* resolved: pointers are addresses */
    unsigned char *in_arena; /* words that are arena offsets until the arena is allocated */
    size_t count;
    size_t arena_bytes;
    char (*node_names)[KEY_BYTES];
    int nodes;
} plan;

static void die(const char *what, const char *detail) {
    fprintf(stderr, "glm-generate: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static tensor *find_tensor(const char *name) {
    for (int i = 0; i < tensor_count; i++)
        if (strcmp(tensors[i].name, name) == 0) return &tensors[i];
    return NULL;
}

/* The tensor `name` of `bytes`, allocated (zeroed) the first time it is named. */
static tensor *bind_tensor(const char *name, size_t bytes) {
    tensor *t = find_tensor(name);
    if (t) {
        if (t->bytes < bytes) die("a tensor is bound with two sizes", name);
        return t;
    }
    if (tensor_count == MAX_TENSORS) die("too many tensors", name);
    t = &tensors[tensor_count++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->bytes = bytes;
    t->data = glm_sw_alloc(bytes ? bytes : 1);
    if (!t->data) die("out of memory for", name);
    memset(t->data, 0, bytes);
    return t;
}

/* An output donated to an input shares its buffer: the alias becomes a second name of it. */
static void alias_tensor(const char *output, const char *input) {
    tensor *in = find_tensor(input);
    if (!in) die("alias of an unknown tensor", input);
    if (tensor_count == MAX_TENSORS) die("too many tensors", output);
    tensors[tensor_count] = *in;
    snprintf(tensors[tensor_count].name, KEY_BYTES, "%s", output);
    tensor_count++;
}

/* ---- plan files ---- */

/* "role name" as the tensor table keys it. */
static void tensor_key(char *key, const char *role, const char *name) {
    snprintf(key, KEY_BYTES, "%s:%s", role, name);
}

static FILE *open_file(const char *dir, const char *path) {
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", dir, path);
    FILE *f = fopen(full, "rb");
    if (!f) die("cannot open", full);
    return f;
}

/* One word of the record stream: a number, a bound tensor's address + offset, an arena offset (made
 * an address once the arena, shared by both plans, is allocated), or 0. */
static double read_word(FILE *f, int *arena_word) {
    char kind[8], role[16], name[NAME_BYTES], key[KEY_BYTES];
    double value;
    unsigned long long offset;
    *arena_word = 0;
    if (fscanf(f, "%7s", kind) != 1) die("plan ends early", NULL);
    if (strcmp(kind, "n") == 0 && fscanf(f, "%lf", &value) == 1) return value;
    if (strcmp(kind, "z") == 0) return 0;
    if (strcmp(kind, "a") == 0 && fscanf(f, "%llu", &offset) == 1) {
        *arena_word = 1;
        return (double)offset;
    }
    if (strcmp(kind, "p") == 0 && fscanf(f, "%15s %127s %llu", role, name, &offset) == 3) {
        tensor_key(key, role, name);
        tensor *t = find_tensor(key);
        if (!t) die("the plan points into an unknown tensor", key);
        return (double)(uintptr_t)(t->data + offset);
    }
    die("malformed plan word", kind);
    return 0;
}

/* The header lines up to "words": tensors (allocated), aliases, node names. */
static void read_header(FILE *f, plan *p) {
    char kind[16], role[16], name[NAME_BYTES], key[KEY_BYTES], other[NAME_BYTES], input[KEY_BYTES], op[32];
    unsigned long long bytes;
    int tag;
    p->node_names = calloc(MAX_NODES, KEY_BYTES);
    while (fscanf(f, "%15s", kind) == 1) {
        if (strcmp(kind, "arena") == 0 && fscanf(f, "%llu", &bytes) == 1) p->arena_bytes = (size_t)bytes;
        else if (strcmp(kind, "tensor") == 0 && fscanf(f, "%15s %127s %15s %llu", role, name, op, &bytes) == 4) {
            tensor_key(key, role, name);
            bind_tensor(key, (size_t)bytes);
        } else if (strcmp(kind, "alias") == 0 && fscanf(f, "%127s %127s", name, other) == 2) {
            tensor_key(key, "output", name);
            tensor_key(input, "input", other);
            if (!find_tensor(key)) alias_tensor(key, input);
        } else if (strcmp(kind, "node") == 0 && fscanf(f, "%d %31s %127s", &tag, op, name) == 3) {
            if (tag >= 0 && tag < MAX_NODES) snprintf(p->node_names[tag], KEY_BYTES, "%s (%s)", name, op);
            if (tag >= p->nodes) p->nodes = tag + 1;
        } else if (strcmp(kind, "words") == 0 && fscanf(f, "%llu", &bytes) == 1) {
            p->count = (size_t)bytes;
            return;
        } else die("malformed plan line", kind);
    }
    die("plan has no words", NULL);
}

static void read_plan(const char *dir, const char *path, plan *p) {
    FILE *f = open_file(dir, path);
    char magic[32];
    int version;
    if (fscanf(f, "%31s %d", magic, &version) != 2 || strcmp(magic, "glm-sunway-plan") != 0 || version != 1) die("not a plan file (version 1)", path);
    read_header(f, p);
    p->words = malloc(p->count * sizeof(double));
    p->in_arena = calloc(p->count, 1);
    if (!p->words || !p->in_arena) die("out of host memory reading", path);
    for (size_t i = 0; i < p->count; i++) {
        int arena_word;
        p->words[i] = read_word(f, &arena_word);
        p->in_arena[i] = (unsigned char)arena_word;
    }
    fclose(f);
}

/* One arena serves both plans (they never run at once): offsets become addresses in it. */
static void place_arena(plan *a, plan *b) {
    const size_t bytes = a->arena_bytes > b->arena_bytes ? a->arena_bytes : b->arena_bytes;
    char *arena = glm_sw_alloc(bytes ? bytes : 1);
    if (!arena) die("out of memory for the arena", NULL);
    plan *plans[2] = {a, b};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < plans[k]->count; i++)
            if (plans[k]->in_arena[i]) plans[k]->words[i] = (double)(uintptr_t)(arena + (size_t)plans[k]->words[i]);
}

/* ---- weights, prompt ---- */

/* Every weight file named in weights/index.txt into its (input) tensor. */
static void load_weights(const char *dir) {
    FILE *index = open_file(dir, "weights/index.txt");
    char name[NAME_BYTES], dtype[8], shape[64], key[KEY_BYTES], path[NAME_BYTES + 16];
    unsigned long long bytes;
    while (fscanf(index, "%127s %7s %llu %63s", name, dtype, &bytes, shape) == 4) {
        tensor_key(key, "input", name);
        tensor *t = find_tensor(key);
        if (!t) continue; /* a weight the plans do not use */
        if (t->bytes != bytes) die("a weight file's size differs from the plan's tensor", name);
        snprintf(path, sizeof path, "weights/%s.bin", name);
        FILE *f = open_file(dir, path);
        if (fread(t->data, 1, t->bytes, f) != t->bytes) die("short weight file", path);
        fclose(f);
    }
    fclose(index);
}

typedef struct {
    int n, tokens[4096], positions[4096], block_positions[4096], has_block;
    int context_length, continues, mask_index, rotary;
    int end_count, end_tokens[16];
    int out_seq_length, vocab_size;
} prompt;

/* "<key> <count> v..." into `values` (at most `max`). */
static int read_list(FILE *f, const char *key, int *values, int max) {
    char k[32];
    int count;
    if (fscanf(f, "%31s %d", k, &count) != 2 || strcmp(k, key) != 0 || count < 0 || count > max) die("malformed prompt line", key);
    for (int i = 0; i < count; i++)
        if (fscanf(f, "%d", &values[i]) != 1) die("malformed prompt list", key);
    return count;
}

static int read_int(FILE *f, const char *key) {
    char k[32];
    int v;
    if (fscanf(f, "%31s %d", k, &v) != 2 || strcmp(k, key) != 0) die("malformed prompt line", key);
    return v;
}

static void read_prompt(const char *dir, prompt *p) {
    FILE *f = open_file(dir, "prompt.txt");
    char magic[32], k[32];
    int version;
    if (fscanf(f, "%31s %d", magic, &version) != 2 || strcmp(magic, "glm-sunway-prompt") != 0 || version != 1) die("not a prompt file (version 1)", NULL);
    p->n = read_list(f, "tokens", p->tokens, 4096);
    if (read_list(f, "positions", p->positions, 4096) != p->n) die("positions and tokens differ in length", NULL);
    p->has_block = read_list(f, "block_positions", p->block_positions, 4096) > 0;
    p->context_length = read_int(f, "context_length");
    if (fscanf(f, "%31s %d %d %d", k, &p->continues, &p->mask_index, &p->rotary) != 4 || strcmp(k, "rule") != 0) die("malformed prompt line", "rule");
    p->end_count = read_list(f, "end_tokens", p->end_tokens, 16);
    p->out_seq_length = read_int(f, "out_seq_length");
    p->vocab_size = read_int(f, "vocab_size");
    fclose(f);
}

/* ---- steps ---- */

/* Writes an i32 input of the plans, when they take it (block positions only with 2-D rotary). */
static void set_input(const char *name, const int *values, int count) {
    char key[KEY_BYTES];
    tensor_key(key, "input", name);
    tensor *t = find_tensor(key);
    if (!t) return;
    if ((size_t)count * 4 > t->bytes) die("an input is larger than its tensor", name);
    memcpy(t->data, values, (size_t)count * 4);
}

static const char *node_name(const plan *p, int tag) {
    return tag >= 0 && tag < p->nodes && p->node_names[tag][0] ? p->node_names[tag] : "(no node)";
}

/* Runs a plan to its end; a failed launch or a raised error flag names the record's node. */
static void run_plan(const plan *p) {
    int tag = -1;
    if (glm_sw_run(p->words, p->count, &tag) != 0) {
        fprintf(stderr, "glm-generate: %s (node %s)\n", glm_sw_error(), node_name(p, tag));
        exit(1);
    }
    const int flag = glm_sw_flag();
    if (flag != 0) {
        fprintf(stderr, "glm-generate: node %s found an index or cache offset out of range\n", node_name(p, flag - 1));
        exit(1);
    }
}

/* The device's top-1 of the last position's logits (ties: the lowest id, as the SDK's candidates). */
static int top_token(void) {
    tensor *t = find_tensor("output:top_indices");
    if (!t) die("the plans have no top_indices output", NULL);
    int32_t id;
    memcpy(&id, t->data, 4);
    return id;
}

static void prefill(const plan *p, const prompt *q) {
    const int zero = 0;
    set_input("input_ids", q->tokens, q->n);
    set_input("position_ids", q->positions, q->n);
    if (q->has_block) set_input("block_position_ids", q->block_positions, q->n);
    set_input("context_lengths", &q->context_length, 1);
    set_input("cache_offset", &zero, 1);
    run_plan(p);
}

/* Decode step k (k = 1: the first generated token), the cache holding `cached` tokens. */
static void decode(const plan *p, const prompt *q, int token, int k, int cached) {
    const int position = q->continues ? q->context_length + k : q->mask_index, block = k + 1, length = cached + 1;
    set_input("input_ids", &token, 1);
    set_input("position_ids", &position, 1);
    if (q->has_block) set_input("block_position_ids", &block, 1);
    set_input("context_lengths", &q->context_length, 1);
    set_input("cache_offset", &cached, 1);
    set_input("kv_length", &length, 1);
    run_plan(p);
}

static int is_end(const prompt *q, int token) {
    for (int i = 0; i < q->end_count; i++)
        if (q->end_tokens[i] == token) return 1;
    return 0;
}

/* One blank, greedily, as the SDK's generateSpan: tokens into `out` (without the end token). */
static int generate(const plan *pre, const plan *dec, const prompt *q, int *out) {
    int length = q->n, count = 0;
    if (length >= q->out_seq_length) return 0;
    prefill(pre, q);
    for (int k = 1;; k++) {
        const int token = top_token();
        if (token < 0 || token >= q->vocab_size) die("the device's top-1 is outside the vocabulary", NULL);
        out[count++] = token;
        length++;
        if (is_end(q, token) || length >= q->out_seq_length) break;
        decode(dec, q, token, k, length - 1);
    }
    return count > 0 && is_end(q, out[count - 1]) ? count - 1 : count;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    if (glm_sw_open(getenv("GLM_SUNWAY_CHIP")) != 0) die("cannot open the Sunway runner", glm_sw_error());
    static plan pre, dec;
    static prompt q;
    read_plan(dir, "plan/prefill.plan", &pre); /* first: its inputs are the longer ones */
    read_plan(dir, "plan/decode.plan", &dec);
    place_arena(&pre, &dec);
    load_weights(dir);
    read_prompt(dir, &q);
    int *tokens = malloc(sizeof(int) * (size_t)q.out_seq_length);
    const int count = generate(&pre, &dec, &q, tokens);
    for (int i = 0; i < count; i++) printf(i ? " %d" : "%d", tokens[i]);
    printf("\n");
    fprintf(stderr, "glm-generate: %d tokens on %s (%s)\n", count, glm_sw_built_for(), dir);
    return 0;
}
