/*
 * The system calls newlib needs (this newlib build calls them by their
 * plain names), all in one place: output goes to the serial
 * console, the heap is the block carved for it from the memory map, and
 * everything else fails politely.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hv/lib/heap.h"
#include "hv/lib/stop.h"
#include "drivers/serial.h"

static struct {
	uint8_t *start, *brk, *end;
} heap;

void heap_init(uint64_t base, uint64_t size)
{
	heap.start = heap.brk = (uint8_t *)base;
	heap.end = heap.start + size;
}

uint64_t heap_used(void)
{
	return (uint64_t)(heap.brk - heap.start);
}

uint64_t heap_size(void)
{
	return (uint64_t)(heap.end - heap.start);
}

void *sbrk(ptrdiff_t incr)
{
	if (!heap.start || heap.brk + incr > heap.end || heap.brk + incr < heap.start) {
		errno = ENOMEM;
		return (void *)-1;
	}
	uint8_t *old = heap.brk;
	heap.brk += incr;
	return old;
}

int write(int fd, const void *buf, size_t n)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	serial_write(buf, n);
	return (int)n;
}

int read(int fd, void *buf, size_t n)
{
	(void)fd;
	(void)buf;
	(void)n;
	errno = EBADF;
	return -1;
}

int close(int fd)
{
	(void)fd;
	errno = EBADF;
	return -1;
}

int fstat(int fd, struct stat *st)
{
	(void)fd;
	st->st_mode = S_IFCHR;
	return 0;
}

int isatty(int fd)
{
	return fd <= 2;
}

int lseek(int fd, int off, int whence)
{
	(void)fd;
	(void)off;
	(void)whence;
	errno = ESPIPE;
	return -1;
}

int getpid(void)
{
	return 1;
}

int kill(int pid, int sig)
{
	(void)pid;
	panic("C library raised signal %d (abort?)", sig);
}

void _exit(int code)
{
	panic("C library exit(%d)", code);
}
