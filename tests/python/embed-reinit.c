// SPDX-License-Identifier: GPL-2.0
/*
 * An embedder re-initialising Python (issue 25), built against the
 * patched libpython by `make python` (tests/python/embed.mk) and run by
 * tests/python/smoke.sh on stock CPython and on kgil:
 *
 *   embed-reinit daemons [N]  three rounds of Py_Initialize, N (8)
 *                          counting daemon threads, Py_Finalize; then Py_Initialize, two threads
 *                          whose results are checked, Py_Finalize.  The
 *                          daemons of a finished runtime must never run
 *                          again: on stock CPython they exit in take_gil.
 *   embed-reinit other     Py_Initialize and Py_Finalize in the main
 *                          thread, then Py_Initialize, code, Py_Finalize in
 *                          another thread, then again in the main thread.
 *
 * Public API only (the PyConfig initialization).  Prints "embed-reinit: ok MODE" and exits 0; a thread
 * that does not finish in 60 s is a deadlock (exit 2).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char self_path[4096];

static const char daemons_code[] =
	"import threading, time\n"
	"up = threading.Semaphore(0)\n"
	"def count():\n"
	"    up.release()\n"
	"    x = 0\n"
	"    while True:\n"
	"        x += 1\n"
	"for i in range(N):\n"
	"    threading.Thread(target=count, daemon=True).start()\n"
	"for i in range(N):\n"
	"    up.acquire()\n"
	"time.sleep(0.05)\n";

/* Sets the global ok to 1 when two threads computed what one does. */
static const char work_code[] =
	"import threading\n"
	"def work(seed, n=20000):\n"
	"    x = seed\n"
	"    for i in range(n):\n"
	"        x = (x * 1103515245 + 12345 + i) % 2147483648\n"
	"    return x\n"
	"out = {}\n"
	"ts = [threading.Thread(target=lambda s=s: out.__setitem__(s, work(s)))\n"
	"      for s in (1, 2)]\n"
	"for t in ts: t.start()\n"
	"for t in ts: t.join()\n"
	"ok = int(out == {1: work(1), 2: work(2)})\n";

static void die(const char *what)
{
	printf("embed-reinit: FAIL %s\n", what);
	fflush(stdout);
	exit(1);
}

/*
 * Py_InitializeEx(0), with this program's path as its name: as _testembed,
 * it finds the build tree's Lib/ next to itself (build/cpython/obj/).
 */
static void init_python(void)
{
	PyConfig config;
	PyStatus st;

	PyConfig_InitPythonConfig(&config);
	config.install_signal_handlers = 0;
	st = PyConfig_SetBytesString(&config, &config.program_name, self_path);
	if (!PyStatus_Exception(st))
		st = Py_InitializeFromConfig(&config);
	PyConfig_Clear(&config);
	if (PyStatus_Exception(st))
		Py_ExitStatusException(st);
}

/* Run work_code in a fresh runtime and finalize it. */
static void run_work(void)
{
	PyObject *main_mod, *ok;

	init_python();
	if (PyRun_SimpleString(work_code) != 0)
		die("the threads' code raised");
	main_mod = PyImport_AddModule("__main__");	/* borrowed */
	ok = main_mod ? PyObject_GetAttrString(main_mod, "ok") : NULL;
	if (!ok || PyLong_AsLong(ok) != 1)
		die("two threads computed a wrong result");
	Py_DECREF(ok);
	if (Py_FinalizeEx() < 0)
		die("Py_FinalizeEx failed");
}

static void *other_thread(void *arg)
{
	(void)arg;
	run_work();
	return NULL;
}

/* Join t, or exit 2 after 60 s: the other thread is stuck. */
static void join_or_die(pthread_t t, const char *what)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 60;
	if (pthread_timedjoin_np(t, NULL, &ts) != 0) {
		printf("embed-reinit: FAIL %s did not finish in 60 s (deadlock)\n",
		       what);
		fflush(stdout);
		_exit(2);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int ndaemons = argc > 2 ? atoi(argv[2]) : 8;
	char set_n[32];
	pthread_t t;
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);

	if (n <= 0)
		die("readlink /proc/self/exe");
	self_path[n] = '\0';
	if (!strcmp(mode, "daemons")) {
		for (int round = 0; round < 3; round++) {
			init_python();
			snprintf(set_n, sizeof(set_n), "N = %d\n", ndaemons);
			if (PyRun_SimpleString(set_n) != 0 ||
			    PyRun_SimpleString(daemons_code) != 0)
				die("starting the daemon threads raised");
			fprintf(stderr, "embed-reinit: round %d: daemons up\n",
				round);
			if (Py_FinalizeEx() < 0)
				die("Py_FinalizeEx failed");
			fprintf(stderr, "embed-reinit: round %d: finalized\n",
				round);
			/*
			 * Stock CPython's daemon threads exit at the end of
			 * a timed wait for the GIL (5 ms) that finds the
			 * runtime finalizing: give them that, or stock
			 * itself crashes (the next Py_Initialize() clears
			 * finalizing before they look; 100 ms was not always
			 * enough on a loaded 2-core host).
			 */
			usleep(1000 * 1000);
		}
		run_work();
	} else if (!strcmp(mode, "other")) {
		init_python();
		if (PyRun_SimpleString("x = sum(range(1000))\n") != 0)
			die("the main thread's code raised");
		if (Py_FinalizeEx() < 0)
			die("Py_FinalizeEx failed");
		if (pthread_create(&t, NULL, other_thread, NULL))
			die("pthread_create");
		join_or_die(t, "Py_Initialize in another thread");
		run_work();
	} else {
		fprintf(stderr, "usage: embed-reinit daemons [N] | other\n");
		return 64;
	}
	printf("embed-reinit: ok %s\n", mode);
	return 0;
}
