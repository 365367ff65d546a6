/* Status codes: text and names from the one table in sigjit.h. */
#include "sigjit.h"

const char *sj_strerror(sj_status status)
{
    static const char *const text[] = {
#define SJ__TEXT(name, t) t,
        SJ_STATUS_TABLE(SJ__TEXT)
#undef SJ__TEXT
    };
    return (unsigned)status < SJ_STATUS_COUNT ? text[status] : "unknown status";
}

const char *sj_status_name(sj_status status)
{
    static const char *const names[] = {
#define SJ__NAME(name, t) #name,
        SJ_STATUS_TABLE(SJ__NAME)
#undef SJ__NAME
    };
    return (unsigned)status < SJ_STATUS_COUNT ? names[status] : "SJ_UNKNOWN";
}
