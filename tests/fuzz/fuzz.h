/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared helpers of the libFuzzer harnesses (tests/fuzz/README.md): the
 * input as a C string, split into NUL-separated parts, and a scratch root
 * for the parsers that read files through the context.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs beyond this are not more interesting, only slower. */
#define FUZZ_MAX_INPUT (64 * 1024)

/* A property the harness checks: abort so libFuzzer records the input. */
#define FUZZ_ASSERT(cond)                                     \
	do {                                                  \
		if (!(cond))                                  \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* The input as a NUL-terminated copy (embedded NULs end the string early). */
char *fuzz_str(const uint8_t *data, size_t size);

/*
 * The input cut at NUL bytes into at most @max parts; missing parts are "".
 * Each part is a separate allocation, freed by fuzz_parts_free().
 */
void fuzz_parts(const uint8_t *data, size_t size, char **parts, size_t max);
void fuzz_parts_free(char **parts, size_t max);

/* A scratch root made once per process (removed at exit). */
const char *fuzz_root(void);
/* Replace ROOT/@rel with @len bytes of @data, creating parent directories. */
void fuzz_put(const char *rel, const void *data, size_t len);
void fuzz_put_str(const char *rel, const char *s);
/* Remove ROOT/@rel if present. */
void fuzz_rm(const char *rel);
/* A symlink ROOT/@rel -> @target (replacing what is there). */
void fuzz_link(const char *rel, const char *target);
