/* One CPU-bound and one io_uring I/O-bound thread sharing a kgil lock.
 * cc example.c $(pkg-config --cflags --libs kgil); KGIL_BACKEND picks the backend. */
#include <kgil.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>

static struct kgil *g;
static volatile int done;

static void *cpu_bound(void *arg)
{
	kgil_attach(g);
	kgil_acquire(g, NULL);
	while (!done)
		++*(unsigned long *)arg, kgil_tick();	/* one "bytecode" */
	kgil_release(g);
	return (void *)(long)kgil_detach(g);
}

int main(void)
{
	struct __kernel_timespec ms = { .tv_nsec = 1000000 };
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct kgil_counters io;
	enum kgil_backend b;
	unsigned long ticks = 0;
	pthread_t t;

	if (kgil_backend_from_env(KGIL_BACKEND_USER_NEWGIL, &b) || kgil_open(b, &g) ||
	    io_uring_queue_init(4, &ring, 0) || kgil_attach(g) < 0 || kgil_acquire(g, NULL))
		return 1;
	pthread_create(&t, NULL, cpu_bound, &ticks);
	for (int i = 0; i < 20; i++) {	/* I/O-bound: 20 sleeps of 1 ms, lock released */
		io_uring_prep_timeout(io_uring_get_sqe(&ring), &ms, 0, 0);
		io_uring_submit(&ring);
		if (kgil_uring_wait_cqe(g, &ring, &cqe))
			return 1;
		io_uring_cqe_seen(&ring, cqe);
	}
	done = 1;
	kgil_thread_stats(g, 0, &io);
	kgil_release(g);
	pthread_join(t, NULL);
	printf("%s: %lu ticks; I/O thread waited %.2f ms on average to get the lock back\n",
	       kgil_backend_name(b), ticks, io.total_wait_ns / 1e6 / io.acquisitions);
	kgil_detach(g);
	return kgil_close(g) != 0;
}
