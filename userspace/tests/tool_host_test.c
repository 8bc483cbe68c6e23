// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the tools' helpers: the JSON writer of dmaadd --json
 * (tool/json.c) and what dmaadd and dmaadd_bench share (tool/cli.c). No
 * device needed; tests/tool-host-test.sh runs the programs themselves.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tool/cli.h"
#include "../tool/json.h"

#include "kselftest_harness.h"

/* What @write printed, into a buffer the caller frees. */
#define CAPTURE(buf, write)						\
	({								\
		size_t __len;						\
		FILE *__f = open_memstream(&(buf), &__len);		\
									\
		ASSERT_NE(NULL, __f);					\
		write;							\
		ASSERT_EQ(0, fclose(__f));				\
	})

static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	json_write_string(f, s);
	fclose(f);
	return buf;
}

#define EXPECT_ESCAPED(expected, s)					\
	({								\
		char *__out = escaped(s);				\
									\
		EXPECT_STREQ(expected, __out);				\
		free(__out);						\
	})

TEST(json_escapes_what_json_needs)
{
	EXPECT_ESCAPED("\"\"", "");
	EXPECT_ESCAPED("\"/dev/dmaadd0\"", "/dev/dmaadd0");
	EXPECT_ESCAPED("\"a \\\"b\\\" \\\\c\"", "a \"b\" \\c");
	EXPECT_ESCAPED("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t");
	EXPECT_ESCAPED("\"\\u0001\\u001f\\u007f \"", "\x01\x1f\x7f ");
	/* '/' may stay as it is, and does. */
	EXPECT_ESCAPED("\"a/b\"", "a/b");
}

TEST(json_keeps_valid_utf8)
{
	/* U+00E9, U+20AC, U+FFFD itself, U+1F600, U+10FFFF */
	EXPECT_ESCAPED("\"\xc3\xa9 \xe2\x82\xac \xef\xbf\xbd \xf0\x9f\x98\x80"
		       " \xf4\x8f\xbf\xbf\"",
		       "\xc3\xa9 \xe2\x82\xac \xef\xbf\xbd \xf0\x9f\x98\x80"
		       " \xf4\x8f\xbf\xbf");
}

TEST(json_replaces_invalid_utf8)
{
	/* Every byte that is not part of a valid sequence: U+FFFD. */
	EXPECT_ESCAPED("\"\\ufffd\"", "\xff");
	EXPECT_ESCAPED("\"a\\ufffdb\"", "a\x80" "b");
	/* Truncated, at the end and before another character. */
	EXPECT_ESCAPED("\"\\ufffd\\ufffd\"", "\xe2\x82");
	EXPECT_ESCAPED("\"\\ufffdx\"", "\xc3x");
	/* Overlong forms of '/' and of U+0800. */
	EXPECT_ESCAPED("\"\\ufffd\\ufffd\"", "\xc0\xaf");
	EXPECT_ESCAPED("\"\\ufffd\\ufffd\\ufffd\"", "\xe0\x80\xaf");
	EXPECT_ESCAPED("\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "\xf0\x80\xa0\x80");
	/* A surrogate, and above U+10FFFF. */
	EXPECT_ESCAPED("\"\\ufffd\\ufffd\\ufffd\"", "\xed\xa0\x80");
	EXPECT_ESCAPED("\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "\xf4\x90\x80\x80");
}

TEST(json_document)
{
	struct json j;
	char *out = NULL;

	CAPTURE(out, ({
		json_init(&j, __f);
		json_object_begin(&j, NULL);
		json_string(&j, "library_version", "1.3.0");
		json_array_begin(&j, "devices");
		json_object_begin(&j, NULL);
		json_string(&j, "path", "/dev/dmaadd0");
		json_uint(&j, "max", UINT64_MAX);
		json_bool(&j, "iommu", true);
		json_bool(&j, "bounce", false);
		json_null(&j, "device_segments");
		json_string(&j, "nothing", NULL);
		json_array_begin(&j, "empty");
		json_array_end(&j);
		json_object_begin(&j, "none");
		json_object_end(&j);
		json_array_begin(&j, "operations");
		json_string(&j, NULL, "add_i32");
		json_uint(&j, NULL, 0);
		json_array_end(&j);
		json_object_end(&j);
		json_array_end(&j);
		json_object_end(&j);
	}));
	EXPECT_STREQ("{\n"
		     "  \"library_version\": \"1.3.0\",\n"
		     "  \"devices\": [\n"
		     "    {\n"
		     "      \"path\": \"/dev/dmaadd0\",\n"
		     "      \"max\": 18446744073709551615,\n"
		     "      \"iommu\": true,\n"
		     "      \"bounce\": false,\n"
		     "      \"device_segments\": null,\n"
		     "      \"nothing\": null,\n"
		     "      \"empty\": [],\n"
		     "      \"none\": {},\n"
		     "      \"operations\": [\n"
		     "        \"add_i32\",\n"
		     "        0\n"
		     "      ]\n"
		     "    }\n"
		     "  ]\n"
		     "}\n", out);
	free(out);
}

TEST(json_keys_are_escaped)
{
	struct json j;
	char *out = NULL;

	CAPTURE(out, ({
		json_init(&j, __f);
		json_object_begin(&j, NULL);
		json_bool(&j, "a\"b", true);
		json_object_end(&j);
	}));
	EXPECT_STREQ("{\n  \"a\\\"b\": true\n}\n", out);
	free(out);
}

TEST(device_names)
{
	static const struct {
		const char *arg;
		unsigned int index;
	} good[] = {
		{ "0", 0 }, { "7", 7 }, { "12", 12 }, { "2147483647", 2147483647 },
		{ "dmaadd0", 0 }, { "dmaadd12", 12 },
		{ "/dev/dmaadd0", 0 }, { "/dev/dmaadd3", 3 },
	};
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "01", "00", "0x1", "2147483648",
		"99999999999999999999", "dmaadd", "dmaadd01", "dmaadd-1",
		"dmaadd1x", "dmaadd 1", "DMAADD1", "/dev/dmaadd", "/dev/0",
		"/dev/dmaaddx", "/dev//dmaadd0", "/tmp/dmaadd0", "dev/dmaadd0",
		"/dev/dmaadd/0", "x", "dmaaddy1",
	};
	unsigned int i, index;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		index = 12345;
		EXPECT_EQ(0, cli_parse_device(good[i].arg, &index)) {
			TH_LOG("'%s' refused", good[i].arg);
		}
		EXPECT_EQ(good[i].index, index);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		index = 12345;
		EXPECT_EQ(-1, cli_parse_device(bad[i], &index)) {
			TH_LOG("'%s' accepted", bad[i]);
		}
		EXPECT_EQ(12345, index);
	}
}

/* cli_open_hint() for @err, @path having @mode if not 0. */
static char *hint(int err, mode_t mode)
{
	char path[] = "/tmp/dmaadd-hint.XXXXXX", *buf = NULL;
	size_t len;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	if (fd < 0 || fchmod(fd, mode))
		abort();
	close(fd);
	f = open_memstream(&buf, &len);
	if (!f)
		abort();
	cli_open_hint(f, "dmaadd", path, err);
	fclose(f);
	unlink(path);
	return buf;
}

TEST(open_hints)
{
	char *out;

	/* The udev rule applied: root:dmaadd 0660. */
	out = hint(EACCES, 0660);
	EXPECT_NE(NULL, strstr(out, "dmaadd: add yourself to the dmaadd group:"
				    " sudo usermod -aG dmaadd $USER, then log"
				    " in again")) {
		TH_LOG("%s", out);
	}
	free(out);
	/* The kernel's own 0600: the rule is missing. */
	out = hint(EACCES, 0600);
	EXPECT_NE(NULL, strstr(out, "(mode 0600)")) {
		TH_LOG("%s", out);
	}
	EXPECT_NE(NULL, strstr(out, "60-dmaadd.rules"));
	EXPECT_NE(NULL, strstr(out, "dmaadd group"));
	free(out);
	out = hint(ENOENT, 0600);
	EXPECT_NE(NULL, strstr(out, "modprobe dmaadd"));
	free(out);
	out = hint(ENOTTY, 0600);
	EXPECT_NE(NULL, strstr(out, "is not a dmaadd device"));
	free(out);
	out = hint(EIO, 0600);
	EXPECT_STREQ("", out);
	free(out);
}

/*
 * Parses @args as dmaadd info does and returns what cli_bad_option() says
 * about the option refused; NULL if none was.
 */
static char *refused(char **args)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *buf = NULL;
	int argc, c, fd;
	size_t len;
	FILE *f;

	for (argc = 0; args[argc]; argc++)
		;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, args, "+:d:jh", opts, NULL)) != -1) {
		if (c != '?' && c != ':')
			continue;
		/* cli_bad_option() writes to stderr. */
		f = tmpfile();
		fd = dup(2);
		if (!f || fd < 0 || dup2(fileno(f), 2) < 0)
			abort();
		cli_bad_option("dmaadd", "info", c, opts, args);
		fflush(stderr);
		dup2(fd, 2);
		close(fd);
		len = (size_t)ftell(f);
		buf = calloc(1, len + 1);
		rewind(f);
		if (!buf || fread(buf, 1, len, f) != len)
			abort();
		fclose(f);
		return buf;
	}
	return NULL;
}

#define EXPECT_REFUSED(expected, ...)					\
	({								\
		char *__args[] = { "info", __VA_ARGS__, NULL };		\
		char *__out = refused(__args);				\
									\
		ASSERT_NE(NULL, __out);					\
		EXPECT_STREQ(expected, __out);				\
		free(__out);						\
	})

TEST(bad_options)
{
	EXPECT_REFUSED("dmaadd: info: unrecognized option '--bogus'\n",
		       "--bogus");
	EXPECT_REFUSED("dmaadd: info: unrecognized option '--bogus=1'\n",
		       "-j", "--bogus=1");
	EXPECT_REFUSED("dmaadd: info: invalid option -- 'x'\n", "-x");
	EXPECT_REFUSED("dmaadd: info: invalid option -- 'x'\n", "-jx");
	/* After a long option, a bad short one is still named right. */
	EXPECT_REFUSED("dmaadd: info: invalid option -- 'x'\n",
		       "--json", "-jx");
	EXPECT_REFUSED("dmaadd: info: option '--device' (-d) requires an"
		       " argument\n", "--device");
	EXPECT_REFUSED("dmaadd: info: option '--device' (-d) requires an"
		       " argument\n", "-d");
	EXPECT_REFUSED("dmaadd: info: option '--help' doesn't allow an"
		       " argument\n", "--help=1");
	EXPECT_REFUSED("dmaadd: info: option '--json' doesn't allow an"
		       " argument\n", "--js=1");
}

TEST_HARNESS_MAIN
