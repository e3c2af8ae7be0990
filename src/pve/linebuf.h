/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The byte-preserving line array under guest configs (conf.c) and cluster
 * mapping files (mapping.c). Each keeps an array of its own line records
 * (struct vp_pve_line, struct vp_pve_map_line); both start with
 * `char *text`, the line exactly as in the file without its '\n'. These
 * functions read and write only that member and move records whole; the
 * rest of a record belongs to the file's classifier and starts zeroed.
 *
 * Only '\n' ends a line, as Perl's split /\n/ in both parsers: a '\r' before
 * it stays in the text, and whether the last line had a '\n' is kept in a
 * flag, so joining an unedited split gives back the input byte for byte.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Append the lines of @text (@len bytes) to the @n records of @size bytes
 * at *lines; *final_newline says whether the text ended in '\n'. An empty
 * text has no lines. -EINVAL for a text with a NUL byte (nothing added),
 * -ENOMEM (the records added so far stay, for the caller to free).
 */
int vp_pve_lines_split(const char *text, size_t len, size_t size, void **lines, size_t *n,
		       bool *final_newline);

/* The texts joined with '\n', and one after the last when @final_newline. */
int vp_pve_lines_join(const void *lines, size_t n, size_t size, bool final_newline,
		      char **out, size_t *len);

/* Insert a zeroed record at @at (0..@n) with a copy of @len bytes of @text. */
int vp_pve_lines_insert(void **lines, size_t *n, size_t size, size_t at, const char *text,
			size_t len);

/*
 * @clear frees what a record owns besides its text (the classifier's
 * key, value, reason) and resets it; it is the record type's own.
 */
typedef void (*vp_pve_line_clear_fn)(void *record);

/* Remove record @at: @clear it, free its text, close the gap. */
void vp_pve_lines_remove(void *lines, size_t *n, size_t size, size_t at,
			 vp_pve_line_clear_fn clear);

/* Free every record (@clear and its text) and the array. */
void vp_pve_lines_free(void *lines, size_t n, size_t size, vp_pve_line_clear_fn clear);
