/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small JSON writer for the dmaadd tool's --json output: one document,
 * written as it goes, two spaces of indentation per level.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#ifndef DMAADD_JSON_H
#define DMAADD_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 8

struct json {
	FILE *f;
	unsigned int depth;
	/* Members written so far at each open level. */
	unsigned int members[JSON_MAX_DEPTH + 1];
};

void json_init(struct json *j, FILE *f);

/*
 * Every value takes a @key: the member's name inside an object, NULL for
 * the top level and inside arrays. Levels deeper than JSON_MAX_DEPTH are a
 * bug of the caller and abort().
 */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);

/* A string, escaped as JSON needs; NULL writes null. */
void json_string(struct json *j, const char *key, const char *s);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

/*
 * @s as a JSON string literal, quotes included: '"', '\' and control
 * characters escaped, valid UTF-8 copied as it is, and each byte that is
 * not part of valid UTF-8 written as U+FFFD, so the output is always valid
 * JSON text.
 */
void json_write_string(FILE *f, const char *s);

#endif /* DMAADD_JSON_H */
