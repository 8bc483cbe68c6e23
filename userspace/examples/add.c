// SPDX-License-Identifier: 0BSD
/*
 * add - the smallest complete libdmaadd program: open the device, allocate
 * a, b and c, fill a and b in place, c = a + b on the device, check c.
 *
 *   make                     builds ./add with pkg-config's flags only
 *   ./add [/dev/dmaaddN]     default /dev/dmaadd0
 *
 * Start your own program from it: it is under the BSD Zero Clause
 * License (0BSD, LICENSES/preferred/0BSD in dmaadd's source), which asks
 * nothing of copies, unlike the library's LGPL.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <stdint.h>
#include <stdio.h>

#include <libdmaadd.h>

#define COUNT (1024 * 1024)	/* elements per array: 4 MiB */
#define TIMEOUT_NS (10 * INT64_C(1000000000))

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/dmaadd0";
	struct dmaadd_buffer *a = NULL, *b = NULL, *c = NULL;
	struct dmaadd_device *dev;
	int32_t *pa, *pb, *pc;
	uint64_t i, bad = 0;
	int ret = 1;

	dev = dmaadd_device_open(path);
	if (!dev) {
		perror(path);
		return 1;
	}

	/* Buffers the device reaches, mapped here: no copies anywhere. */
	a = dmaadd_buffer_alloc(dev, COUNT * sizeof(int32_t));
	b = dmaadd_buffer_alloc(dev, COUNT * sizeof(int32_t));
	c = dmaadd_buffer_alloc(dev, COUNT * sizeof(int32_t));
	if (!a || !b || !c) {
		perror("dmaadd_buffer_alloc");
		goto out;
	}
	pa = dmaadd_buffer_get_data(a);
	pb = dmaadd_buffer_get_data(b);
	pc = dmaadd_buffer_get_data(c);

	/* Fill the inputs in place, through the mappings. */
	for (i = 0; i < COUNT; i++) {
		pa[i] = (int32_t)i;
		pb[i] = -2 * (int32_t)i;
	}

	/* One job, c = a + b, and wait for it. */
	if (dmaadd_device_add_i32(dev, c, a, b, COUNT, TIMEOUT_NS)) {
		perror("dmaadd_device_add_i32");
		goto out;
	}

	/* Read the result in place. */
	for (i = 0; i < COUNT; i++)
		bad += pc[i] != -(int32_t)i;
	if (bad) {
		printf("FAIL: %llu of %d elements wrong\n",
		       (unsigned long long)bad, COUNT);
		goto out;
	}
	printf("c = a + b on %s: %d elements correct (c[%d] = %d)\n", path,
	       COUNT, COUNT - 1, pc[COUNT - 1]);
	ret = 0;
out:
	dmaadd_buffer_free(c);
	dmaadd_buffer_free(b);
	dmaadd_buffer_free(a);
	dmaadd_device_close(dev);
	return ret;
}
