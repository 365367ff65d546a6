/*
 * librtcheck.so: an LD_PRELOAD witness of the real-time contract of a JACK client. It wraps
 * jack_set_process_callback so that it knows when the client's process callback is running, and
 * counts the calls made during the callback to the allocator (malloc, calloc, realloc, free, the
 * aligned allocators), to locks (pthread_mutex_lock/trylock, pthread_cond_wait/timedwait,
 * sem_wait) and to system-call wrappers that matter on an audio thread (mmap, munmap, mprotect,
 * read, write, poll, nanosleep, clock_nanosleep, usleep). Calls made on the process thread outside
 * the callback (JACK's own code between cycles) are counted separately for information.
 * At exit it prints one line on stderr (and appends it to $RTCHECK_OUT if set):
 *   rtcheck: callbacks=N callback_calls=T (malloc=.. free=.. ...) thread_calls=U
 * Not usable with AddressSanitizer builds (ASan must own malloc).
 */
#include <dlfcn.h>
#include <jack/jack.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

#define COUNTERS(X) \
    X(malloc) X(calloc) X(realloc) X(free) X(memalign) X(mutex_lock) X(cond_wait) X(sem_wait) \
    X(mmap) X(munmap) X(mprotect) X(read) X(write) X(poll) X(sleep)

enum {
#define E(n) K_##n,
    COUNTERS(E)
#undef E
    K_COUNT
};
static const char *const names[K_COUNT] = {
#define N(n) #n,
    COUNTERS(N)
#undef N
};

static __thread int in_cb __attribute__((tls_model("initial-exec")));
static __thread int is_rt __attribute__((tls_model("initial-exec")));
static atomic_ulong cb_calls[K_COUNT], thread_calls[K_COUNT], callbacks;

static inline void note(int k)
{
    if (in_cb)
        atomic_fetch_add_explicit(&cb_calls[k], 1, memory_order_relaxed);
    else if (is_rt)
        atomic_fetch_add_explicit(&thread_calls[k], 1, memory_order_relaxed);
}

/* ---- allocator ---- */
void *malloc(size_t n)
{
    note(K_malloc);
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    note(K_calloc);
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    note(K_realloc);
    return __libc_realloc(p, n);
}
void free(void *p)
{
    if (p)
        note(K_free);
    __libc_free(p);
}
void *aligned_alloc(size_t a, size_t n)
{
    note(K_memalign);
    return __libc_memalign(a, n);
}
void *memalign(size_t a, size_t n)
{
    note(K_memalign);
    return __libc_memalign(a, n);
}
int posix_memalign(void **p, size_t a, size_t n)
{
    note(K_memalign);
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}

/* ---- everything else goes to the next definition, resolved at load (and on first use, in case
 * another library's constructor calls it before ours has run) ---- */
static int (*next_mutex_lock)(pthread_mutex_t *);
static int (*next_mutex_trylock)(pthread_mutex_t *);
static int (*next_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
static int (*next_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
static int (*next_sem_wait)(sem_t *);
static void *(*next_mmap)(void *, size_t, int, int, int, off_t);
static int (*next_munmap)(void *, size_t);
static int (*next_mprotect)(void *, size_t, int);
static ssize_t (*next_read)(int, void *, size_t);
static ssize_t (*next_write)(int, const void *, size_t);
static int (*next_poll)(struct pollfd *, nfds_t, int);
static int (*next_nanosleep)(const struct timespec *, struct timespec *);
static int (*next_clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
static int (*next_usleep)(useconds_t);
static int (*next_set_process)(jack_client_t *, JackProcessCallback, void *);

#define RESOLVE(var, name) (*(void **)&(var) = dlsym(RTLD_NEXT, name))

__attribute__((constructor)) static void rtcheck_init(void)
{
    RESOLVE(next_mutex_lock, "pthread_mutex_lock");
    RESOLVE(next_mutex_trylock, "pthread_mutex_trylock");
    RESOLVE(next_cond_wait, "pthread_cond_wait");
    RESOLVE(next_cond_timedwait, "pthread_cond_timedwait");
    RESOLVE(next_sem_wait, "sem_wait");
    RESOLVE(next_mmap, "mmap");
    RESOLVE(next_munmap, "munmap");
    RESOLVE(next_mprotect, "mprotect");
    RESOLVE(next_read, "read");
    RESOLVE(next_write, "write");
    RESOLVE(next_poll, "poll");
    RESOLVE(next_nanosleep, "nanosleep");
    RESOLVE(next_clock_nanosleep, "clock_nanosleep");
    RESOLVE(next_usleep, "usleep");
    RESOLVE(next_set_process, "jack_set_process_callback");
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    note(K_mutex_lock);
    return (next_mutex_lock ? next_mutex_lock : (RESOLVE(next_mutex_lock, "pthread_mutex_lock"), next_mutex_lock))(m);
}
int pthread_mutex_trylock(pthread_mutex_t *m)
{
    note(K_mutex_lock);
    return (next_mutex_trylock ? next_mutex_trylock : (RESOLVE(next_mutex_trylock, "pthread_mutex_trylock"), next_mutex_trylock))(m);
}
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    note(K_cond_wait);
    return (next_cond_wait ? next_cond_wait : (RESOLVE(next_cond_wait, "pthread_cond_wait"), next_cond_wait))(c, m);
}
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
    note(K_cond_wait);
    return (next_cond_timedwait ? next_cond_timedwait : (RESOLVE(next_cond_timedwait, "pthread_cond_timedwait"), next_cond_timedwait))(c, m, t);
}
int sem_wait(sem_t *s)
{
    note(K_sem_wait);
    return (next_sem_wait ? next_sem_wait : (RESOLVE(next_sem_wait, "sem_wait"), next_sem_wait))(s);
}
void *mmap(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
    note(K_mmap);
    return (next_mmap ? next_mmap : (RESOLVE(next_mmap, "mmap"), next_mmap))(a, n, prot, flags, fd, off);
}
int munmap(void *a, size_t n)
{
    note(K_munmap);
    return (next_munmap ? next_munmap : (RESOLVE(next_munmap, "munmap"), next_munmap))(a, n);
}
int mprotect(void *a, size_t n, int prot)
{
    note(K_mprotect);
    return (next_mprotect ? next_mprotect : (RESOLVE(next_mprotect, "mprotect"), next_mprotect))(a, n, prot);
}
ssize_t read(int fd, void *b, size_t n)
{
    note(K_read);
    return (next_read ? next_read : (RESOLVE(next_read, "read"), next_read))(fd, b, n);
}
ssize_t write(int fd, const void *b, size_t n)
{
    note(K_write);
    return (next_write ? next_write : (RESOLVE(next_write, "write"), next_write))(fd, b, n);
}
int poll(struct pollfd *p, nfds_t n, int t)
{
    note(K_poll);
    return (next_poll ? next_poll : (RESOLVE(next_poll, "poll"), next_poll))(p, n, t);
}
int nanosleep(const struct timespec *a, struct timespec *b)
{
    note(K_sleep);
    return (next_nanosleep ? next_nanosleep : (RESOLVE(next_nanosleep, "nanosleep"), next_nanosleep))(a, b);
}
int clock_nanosleep(clockid_t c, int f, const struct timespec *a, struct timespec *b)
{
    note(K_sleep);
    return (next_clock_nanosleep ? next_clock_nanosleep : (RESOLVE(next_clock_nanosleep, "clock_nanosleep"), next_clock_nanosleep))(c, f, a, b);
}
int usleep(useconds_t u)
{
    note(K_sleep);
    return (next_usleep ? next_usleep : (RESOLVE(next_usleep, "usleep"), next_usleep))(u);
}

/* ---- the process callback, wrapped ---- */
static JackProcessCallback user_cb;
static void *user_arg;

static int wrapped_process(jack_nframes_t n, void *arg)
{
    (void)arg;
    is_rt = 1;
    in_cb = 1;
    int r = user_cb(n, user_arg);
    in_cb = 0;
    atomic_fetch_add_explicit(&callbacks, 1, memory_order_relaxed);
    return r;
}

int jack_set_process_callback(jack_client_t *client, JackProcessCallback cb, void *arg)
{
    user_cb = cb;
    user_arg = arg;
    return (next_set_process ? next_set_process : (RESOLVE(next_set_process, "jack_set_process_callback"), next_set_process))(client, cb ? wrapped_process : NULL, NULL);
}

__attribute__((destructor)) static void rtcheck_report(void)
{
    char line[1024];
    size_t len = 0;
    unsigned long tot = 0, thr = 0;
    for (int k = 0; k < K_COUNT; k++) {
        tot += atomic_load(&cb_calls[k]);
        thr += atomic_load(&thread_calls[k]);
    }
    len += (size_t)snprintf(line + len, sizeof line - len, "rtcheck: callbacks=%lu callback_calls=%lu (",
                            atomic_load(&callbacks), tot);
    for (int k = 0; k < K_COUNT && len < sizeof line; k++)
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%s=%lu", k ? " " : "", names[k], atomic_load(&cb_calls[k]));
    if (len < sizeof line)
        snprintf(line + len, sizeof line - len, ") thread_calls=%lu\n", thr);
    fputs(line, stderr);
    const char *out = getenv("RTCHECK_OUT");
    if (out) {
        FILE *f = fopen(out, "a");
        if (f) {
            fputs(line, f);
            fclose(f);
        }
    }
}
