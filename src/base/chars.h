/* Character classes shared by the readers of the library and the command (JSON, the language). */
#ifndef SJ_BASE_CHARS_H
#define SJ_BASE_CHARS_H

/* The value of a hexadecimal digit, or -1. */
static inline int sj__hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
