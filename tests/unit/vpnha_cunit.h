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
 * setup/teardown (may be NULL) run around every test, as CUnit's suite
 * set-up and clean-up functions do for a suite of one test: a test that
 * stops at a fatal assertion still gets its teardown, so no state leaks
 * into the next one.
 */
#ifndef _VPNHA_CUNIT_H
#define _VPNHA_CUNIT_H

#include <CUnit/Basic.h>

struct vpnha_cunit_test {
	const char *name;
	CU_TestFunc fn;
};

static inline int vpnha_cunit_run(const char *suite,
				  const struct vpnha_cunit_test *tests,
				  size_t n, void (*setup)(void),
				  void (*teardown)(void))
{
	unsigned int failed;
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	s = CU_add_suite_with_setup_and_teardown(suite, NULL, NULL, setup,
						 teardown);
	if (!s)
		return CU_get_error();
	for (size_t i = 0; i < n; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return CU_get_error();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#endif /* _VPNHA_CUNIT_H */
