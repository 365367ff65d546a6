/* Fault injection for the tests: an allocator (installed with sj_set_allocator) that fails the
 * allocation numbered fail_at and counts the blocks still live, so a test can run a scenario once
 * per allocation and check that every failure is reported and nothing leaks. */
#include "sjtest.h"

#include <stdlib.h>

static long count, fail_at = -1, live, failures;

static void *failing_realloc(void *user, void *p, size_t n)
{
    (void)user;
    if (count++ == fail_at) {
        failures++;
        return NULL;
    }
    void *q = realloc(p, n);
    if (q && !p)
        live++;
    return q;
}

static void counting_free(void *user, void *p)
{
    (void)user;
    if (p)
        live--;
    free(p);
}

void sjt_faults_install(void)
{
    static const sj_allocator a = {failing_realloc, counting_free, NULL};
    sj_set_allocator(&a);
}

void sjt_faults_remove(void)
{
    sj_set_allocator(NULL);
}

void sjt_faults_arm(long n)
{
    count = 0;
    fail_at = n;
    live = 0;
    failures = 0;
}

long sjt_faults_live(void)
{
    return live;
}

long sjt_faults_failures(void)
{
    return failures;
}

long sjt_faults_count(void)
{
    return count;
}
