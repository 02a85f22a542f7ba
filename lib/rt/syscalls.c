/* SPDX-License-Identifier: MIT */
/* syscalls.c - newlib's system calls on top of hypercalls (one process, console on fd 0-2).
 *
 *   write(1|2)            the console (rt/console.h): its channel, else the console
 *                         hypercall
 *   read(0)               0 (end of file): the console has no input channel yet
 *   sbrk                  the heap from the info page; ENOMEM past its end
 *   gettimeofday, clock_gettime(REALTIME|MONOTONIC)   BH_HC_TIME: time since monitor start
 *   nanosleep             bh_rt_sleep_until(): BH_HC_TIMER_SET + BH_HC_WAIT, the events it
 *                         takes owed to bh_wait(), the application's timer set back
 *   _exit                 BH_HC_EXIT;  kill(getpid(), sig)  exit with status 128 + sig
 *   close, lseek, fstat, isatty   fd 0-2 are a character device; other descriptors EBADF
 *   open                  ENOSYS (no file system)
 * newlib configured for x86_64-elf defines MISSING_SYSCALL_NAMES (newlib/configure.host,
 * default case): its _write_r() and friends call write(), sbrk(), ... directly, so these are
 * the POSIX names, which user code calls too. They set errno as newlib's headers define it.
 * Single-threaded like the newlib build: only vCPU 0 may call these.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <bulkhead/errno.h>
#include "rt/console.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define PID 1 /* the partition is one process */
#define NSEC_PER_SEC 1000000000ll

static struct bh_heap heap;

/* BH_E* values equal Linux's; newlib's differ (ENOSYS is 88 there). */
static const int errno_of[] = {
	[BH_EPERM] = EPERM,   [BH_ENOENT] = ENOENT, [BH_EIO] = EIO,
	[BH_E2BIG] = E2BIG,   [BH_ENOMEM] = ENOMEM, [BH_EFAULT] = EFAULT,
	[BH_EBUSY] = EBUSY,   [BH_EEXIST] = EEXIST, [BH_EINVAL] = EINVAL,
	[BH_ENOSPC] = ENOSPC, [BH_ERANGE] = ERANGE, [BH_ENOSYS] = ENOSYS,
	[BH_ENOTSUP] = ENOTSUP, [BH_ETIMEDOUT] = ETIMEDOUT,
};

/* Sets errno from a negative BH_E* code (EIO for anything unknown); returns -1. */
static int fail_bh(long rc)
{
	long e = -rc;

	errno = e > 0 && e < (long)(sizeof(errno_of) / sizeof(errno_of[0])) && errno_of[e] ?
			errno_of[e] : EIO;
	return -1;
}

static int fail(int e)
{
	errno = e;
	return -1;
}

static int is_console(int fd)
{
	return fd >= 0 && fd <= 2;
}

void bh_rt_heap_init(uintptr_t start, uintptr_t end)
{
	bh_heap_init(&heap, start, end);
}

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t len)
{
	long rc;

	if (fd != 1 && fd != 2)
		return fail(EBADF);
	if (len > INT_MAX) /* newlib's _READ_WRITE_RETURN_TYPE is int: write less */
		len = INT_MAX;
	rc = bh_console_out(buf, len);
	if (rc < 0)
		return fail_bh(rc);
	return (_READ_WRITE_RETURN_TYPE)rc;
}

_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t len)
{
	return fd == 0 ? 0 : fail(EBADF);
}

void *sbrk(ptrdiff_t incr)
{
	uintptr_t old;
	int rc = bh_heap_sbrk(&heap, incr, &old);

	if (rc) {
		fail_bh(rc);
		return (void *)-1;
	}
	return (void *)old;
}

int close(int fd)
{
	return is_console(fd) ? 0 : fail(EBADF);
}

off_t lseek(int fd, off_t off, int whence)
{
	return fail(is_console(fd) ? ESPIPE : EBADF);
}

int fstat(int fd, struct stat *st)
{
	if (!is_console(fd))
		return fail(EBADF);
	*st = (struct stat){ .st_mode = S_IFCHR | 0620 };
	return 0;
}

int isatty(int fd)
{
	if (is_console(fd))
		return 1;
	errno = EBADF;
	return 0;
}

int open(const char *path, int flags, ...)
{
	return fail(ENOSYS);
}

pid_t getpid(void)
{
	return PID;
}

int kill(pid_t pid, int sig)
{
	if (pid != PID)
		return fail(ESRCH);
	if (sig < 0 || sig >= NSIG)
		return fail(EINVAL);
	if (sig == 0)
		return 0;
	bh_exit(128 + sig); /* abort(), raise(): no signal handlers beyond newlib's own */
}

void _exit(int status)
{
	bh_exit(status);
}

static int now_ns(int64_t *ns)
{
	*ns = bh_time_ns();
	return *ns < 0 ? fail_bh(*ns) : 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	int64_t ns;

	if (now_ns(&ns))
		return -1;
	if (tv)
		*tv = (struct timeval){ .tv_sec = ns / NSEC_PER_SEC,
					.tv_usec = ns % NSEC_PER_SEC / 1000 };
	return 0;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int64_t ns;

	if (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC)
		return fail(EINVAL);
	if (now_ns(&ns))
		return -1;
	*ts = (struct timespec){ .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };
	return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	int64_t now, deadline;

	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= NSEC_PER_SEC)
		return fail(EINVAL);
	if (now_ns(&now))
		return -1;
	deadline = req->tv_sec >= (INT64_MAX - now) / NSEC_PER_SEC - 1 ?
			   INT64_MAX : now + req->tv_sec * NSEC_PER_SEC + req->tv_nsec;
	while (now < deadline) {
		bh_rt_sleep_until((uint64_t)deadline); /* the timer or another event, kept for
							* bh_wait(); loop until the time has come */
		if (now_ns(&now))
			return -1;
	}
	if (rem)
		*rem = (struct timespec){ 0 };
	return 0;
}
