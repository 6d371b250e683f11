// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>

#include "kgil.h"

Test(library, version_matches_header)
{
	cr_assert_str_eq(kgil_lib_version(), KGIL_LIB_VERSION);
}

Test(library, features_rejects_null)
{
	cr_assert_eq(kgil_query_features(-1, NULL), -EINVAL);
}
