/* The real-time trap: malloc, calloc, realloc, free, aligned_alloc, posix_memalign and
 * pthread_mutex_lock are replaced for the whole test process (the executable's definitions win
 * over the C library's), and each call made while the calling thread is inside an audio section
 * (sjt_rt_enter .. sjt_rt_leave) is counted as a violation of the real-time contract.
 * Under AddressSanitizer (which owns the allocator) and valgrind (which replaces it again) the
 * trap is off; the plain build is the one that checks. */
#include "sjtest.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TRAP_BUILT 0
#else
#define TRAP_BUILT 1
#endif

static _Thread_local int in_audio;
static atomic_long violations;

static void check(void)
{
    if (in_audio)
        atomic_fetch_add(&violations, 1);
}

#if TRAP_BUILT
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

void *malloc(size_t n)
{
    check();
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    check();
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    check();
    return __libc_realloc(p, n);
}
void free(void *p)
{
    if (p)
        check();
    __libc_free(p);
}
void *aligned_alloc(size_t a, size_t n)
{
    check();
    return __libc_memalign(a, n);
}
int posix_memalign(void **p, size_t a, size_t n)
{
    check();
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}

/* The real pthread_mutex_lock, looked up before main (dlsym may allocate). */
static int (*real_mutex_lock)(pthread_mutex_t *);
__attribute__((constructor)) static void find_mutex_lock(void)
{
    void *p = dlsym(RTLD_NEXT, "pthread_mutex_lock");
    memcpy(&real_mutex_lock, &p, sizeof p);
}
int pthread_mutex_lock(pthread_mutex_t *m)
{
    check();
    return real_mutex_lock(m);
}
#endif

int sjt_under_valgrind(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "vgpreload") != NULL;
}

int sjt_rt_trap_active(void)
{
    return TRAP_BUILT && !sjt_under_valgrind();
}

void sjt_rt_enter(void)
{
    in_audio = 1;
}

void sjt_rt_leave(void)
{
    in_audio = 0;
}

long sjt_rt_violations(void)
{
    return atomic_load(&violations);
}

void sjt_rt_reset(void)
{
    atomic_store(&violations, 0);
}
