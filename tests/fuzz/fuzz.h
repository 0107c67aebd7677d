// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared by the libFuzzer harnesses: cut the input into NUL-terminated
 * fields at '\n' (or the end), so one input can carry several strings.
 */
#ifndef _VPNHA_FUZZ_H
#define _VPNHA_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copy of data with '\n' -> '\0'; fields[i] point into it ("" when the
 * input has fewer).  Free the return value. */
static inline char *fuzz_fields(const uint8_t *data, size_t size,
				const char **fields, unsigned int n)
{
	char *copy = malloc(size + 1);
	unsigned int i = 0;

	memcpy(copy, data, size);
	copy[size] = '\0';
	fields[i++] = copy;
	for (size_t k = 0; k < size && i < n; k++)
		if (copy[k] == '\n') {
			copy[k] = '\0';
			fields[i++] = copy + k + 1;
		}
	for (size_t k = 0; k < size; k++)
		if (copy[k] == '\n')
			copy[k] = '\0';
	for (; i < n; i++)
		fields[i] = copy + size;
	return copy;
}

#endif
