#define _GNU_SOURCE
#include "sim_baseline_load.h"

#include <errno.h>
#include <modbus/modbus.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct load_thread {
    const sim_load_options *options;
    int index;
    pthread_t thread;
    int started;
    int error;
    long transactions;
    long failures;
    double seconds;
};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run_thread(void *arg) {
    struct load_thread *t = arg;
    const sim_load_options *o = t->options;
    int capacity = o->port_count / o->threads + 1, n = 0;
    modbus_t **contexts = calloc((size_t)capacity, sizeof *contexts);
    if (!contexts) {
        t->error = errno;
        return NULL;
    }
    for (int i = t->index; i < o->port_count; i += o->threads) {
        char service[8];
        snprintf(service, sizeof service, "%d", o->ports[i]);
        modbus_t *ctx = modbus_new_tcp_pi(o->host, service);
        if (!ctx) {
            t->error = errno;
            goto done;
        }
        modbus_set_error_recovery(ctx, MODBUS_ERROR_RECOVERY_NONE);
        modbus_set_response_timeout(ctx, (uint32_t)(o->response_timeout_ms / 1000),
                                    (uint32_t)(o->response_timeout_ms % 1000) * 1000);
        if (modbus_connect(ctx) < 0) {
            t->error = errno;
            modbus_free(ctx);
            goto done;
        }
        contexts[n++] = ctx;
    }
    if (n == 0) goto done;

    uint16_t registers[MODBUS_MAX_READ_REGISTERS];
    double start = now_seconds(), end = start + o->milliseconds / 1000.0, t_now = start;
    for (long k = 0;; k++) {
        if ((k & 63) == 0 && (t_now = now_seconds()) >= end) break;
        modbus_t *ctx = contexts[k % n];
        modbus_set_slave(ctx, 1 + (int)((k / n) % o->units));
        if (modbus_read_input_registers(ctx, o->address, o->count, registers) == o->count) {
            t->transactions++;
        } else {
            t->failures++;
            /* A late answer would be taken for the next one: start that connection afresh. */
            modbus_close(ctx);
            modbus_connect(ctx);
        }
    }
    t->seconds = t_now - start;

done:
    for (int i = 0; i < n; i++) {
        modbus_close(contexts[i]);
        modbus_free(contexts[i]);
    }
    free(contexts);
    return NULL;
}

int sim_load_run(const sim_load_options *options, sim_load_result *result) {
    if (options->threads < 1 || options->port_count < 1 || options->units < 1 || options->count < 1 ||
        options->count > MODBUS_MAX_READ_REGISTERS || options->milliseconds < 1) {
        errno = EINVAL;
        return -1;
    }
    struct load_thread *threads = calloc((size_t)options->threads, sizeof *threads);
    if (!threads) return -1;
    int error = 0;
    for (int i = 0; i < options->threads; i++) {
        threads[i].options = options;
        threads[i].index = i;
        int rc = pthread_create(&threads[i].thread, NULL, run_thread, &threads[i]);
        if (rc != 0) {
            error = rc;
            break;
        }
        threads[i].started = 1;
    }
    memset(result, 0, sizeof *result);
    for (int i = 0; i < options->threads; i++) {
        if (!threads[i].started) continue;
        pthread_join(threads[i].thread, NULL);
        if (threads[i].error && !error) error = threads[i].error;
        result->transactions += threads[i].transactions;
        result->failures += threads[i].failures;
        if (threads[i].seconds > 0) result->transactions_per_second += threads[i].transactions / threads[i].seconds;
    }
    free(threads);
    if (error) {
        errno = error;
        return -1;
    }
    return 0;
}
