/* SPDX-License-Identifier: MIT */
/* errno.h - error codes across every Bulkhead ABI; functions return 0 or -BH_E*. */
#ifndef BULKHEAD_ERRNO_H
#define BULKHEAD_ERRNO_H

#define BH_EPERM    1  /* caller may not do this */
#define BH_ENOENT   2  /* no such object */
#define BH_EIO      5  /* device or channel failed */
#define BH_E2BIG    7  /* count or size beyond a limit */
#define BH_ENOMEM   12 /* out of memory or frames */
#define BH_EFAULT   14 /* pointer outside the caller's memory */
#define BH_EBUSY    16 /* resource in use */
#define BH_EEXIST   17 /* already exists */
#define BH_EINVAL   22 /* malformed argument or input */
#define BH_ENOSPC   28 /* no room in a table or ring */
#define BH_ERANGE   34 /* value out of range */
#define BH_ENOSYS   38 /* no such call */
#define BH_ENOTSUP  95 /* hardware or build lacks the feature */
#define BH_ETIMEDOUT 110

#endif
