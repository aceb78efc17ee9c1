#ifndef SIM_BASELINE_LOAD_H
#define SIM_BASELINE_LOAD_H
/*
 * A libmodbus client load for `fieldbench sim`: several threads, each with libmodbus TCP
 * contexts of its own, reading input registers from one unit after another as fast as the
 * server answers. The same load runs against the simulator and against the plain C libmodbus
 * server (mb_baseline_server_*), so their rates compare. No libmodbus type crosses this header.
 */

typedef struct {
    const char *host;
    /* One connection (libmodbus context) per entry; entries may repeat a port. */
    const int *ports;
    int port_count;
    /* Connection i belongs to thread i % threads. */
    int threads;
    /* Every connection cycles through unit ids 1..units; a thread takes its connections in
     * turn, so consecutive reads go to different connections and units. */
    int units;
    /* Input registers read per transaction: `count` (1..125) from `address`. */
    int address;
    int count;
    /* How long each thread keeps reading, after all its connections are up. */
    int milliseconds;
    int response_timeout_ms;
} sim_load_options;

typedef struct {
    /* Sum over threads of (reads answered / the thread's own reading time). */
    double transactions_per_second;
    long transactions;
    /* Reads that failed: timeout, exception, malformed answer. */
    long failures;
} sim_load_result;

/* Runs the load and waits for it to end. Returns 0, or -1 with errno set when a connection could
 * not be made or a thread not started (nothing is measured then). */
int sim_load_run(const sim_load_options *options, sim_load_result *result);

#endif
