// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one CUnit runner of the unit test programs: a table of tests,
 * one suite, verbose output, exit 1 on any failure.
 *
 *   static const struct vpnha_cunit_test tests[] = {
 *           {"what it checks", test_fn},
 *           ...
 *   };
 *   int main(void)
 *   {
 *           return vpnha_cunit_run("suite", tests, array_size(tests),
 *                                  NULL, NULL);
 *   }
 *
 * setup/teardown (may be NULL) run around every test (CUnit's per-test
 * set-up and tear-down): a test that stops at a fatal assertion still
 * gets its teardown, so no state leaks into the next one.  Several
 * suites: vpnha_cunit_run_suites() with a table of vpnha_cunit_suite.
 */
#ifndef _VPNHA_CUNIT_H
#define _VPNHA_CUNIT_H

#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

/* An exact message, both shown when it differs. */
#define VPNHA_CU_MSG_EQUAL(actual, want)                                       \
	do {                                                                   \
		const char *_a = (actual), *_w = (want);                       \
		if (strcmp(_a, _w) != 0)                                       \
			fprintf(stderr, "\n%s:%d: message '%s', not '%s'\n",   \
				__FILE__, __LINE__, _a, _w);                   \
		CU_ASSERT_STRING_EQUAL(_a, _w);                                \
	} while (0)

struct vpnha_cunit_test {
	const char *name;
	CU_TestFunc fn;
};

/* A program with several suites: a table of these. */
struct vpnha_cunit_suite {
	const char *name;
	const struct vpnha_cunit_test *tests;
	size_t n;
	/* Once around the suite (CUnit's init/clean-up; may be NULL). */
	CU_InitializeFunc init;
	CU_CleanupFunc cleanup;
	/* Around every test, even one stopped by a fatal assertion. */
	void (*setup)(void);
	void (*teardown)(void);
};

static inline int vpnha_cunit_run_suites(const struct vpnha_cunit_suite *suites,
					 size_t n_suites)
{
	unsigned int failed;
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	for (size_t j = 0; j < n_suites; j++) {
		const struct vpnha_cunit_suite *su = &suites[j];

		s = CU_add_suite_with_setup_and_teardown(su->name, su->init,
							 su->cleanup, su->setup,
							 su->teardown);
		if (!s)
			return CU_get_error();
		for (size_t i = 0; i < su->n; i++)
			if (!CU_add_test(s, su->tests[i].name, su->tests[i].fn))
				return CU_get_error();
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* A suite whose init failed counts too (its tests did not run). */
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

static inline int vpnha_cunit_run(const char *suite,
				  const struct vpnha_cunit_test *tests,
				  size_t n, void (*setup)(void),
				  void (*teardown)(void))
{
	const struct vpnha_cunit_suite s = {
		.name = suite,
		.tests = tests,
		.n = n,
		.setup = setup,
		.teardown = teardown,
	};

	return vpnha_cunit_run_suites(&s, 1);
}

#endif /* _VPNHA_CUNIT_H */
