/* POISON and UNPOISON: a region of an allocator's own memory (the string pool's blocks,
 * the slabs) marked unusable and usable again for AddressSanitizer, so that a read
 * or write of a free slot is caught as malloc's would be; nothing without it. */
#ifndef BTD_POISON_H
#define BTD_POISON_H

#if defined(__SANITIZE_ADDRESS__)
#define BTD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BTD_ASAN 1
#endif
#endif

#ifdef BTD_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#endif
