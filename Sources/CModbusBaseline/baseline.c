#define _GNU_SOURCE
#include "modbus_baseline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct mb_baseline_server {
    modbus_t *ctx;               /* used only to parse requests and build replies */
    modbus_mapping_t *mapping;
    int listener;
    int wake[2];                 /* mb_baseline_server_stop writes a byte here */
    int port;
    int max_connections;
    int *connections;
    int connection_count;
    pthread_t thread;
    int started;
    atomic_ulong requests;
};

static int listen_on(const char *host, int port, int backlog, int *bound_port) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        errno = EINVAL;
        return -1;
    }
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    int on = 1;
    socklen_t len = sizeof addr;
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
        bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, backlog) < 0 ||
        getsockname(s, (struct sockaddr *)&addr, &len) < 0) {
        int saved = errno;
        close(s);
        errno = saved;
        return -1;
    }
    *bound_port = ntohs(addr.sin_port);
    return s;
}

mb_baseline_server *mb_baseline_server_new(const char *host, int port, int max_connections, int size) {
    if (max_connections < 1 || size < 1 || size > 65536 || port < 0 || port > 65535) {
        errno = EINVAL;
        return NULL;
    }
    mb_baseline_server *srv = calloc(1, sizeof *srv);
    if (!srv) return NULL;
    srv->listener = srv->wake[0] = srv->wake[1] = -1;
    srv->max_connections = max_connections;
    srv->connections = calloc((size_t)max_connections, sizeof *srv->connections);
    srv->ctx = modbus_new_tcp("127.0.0.1", port);
    srv->mapping = modbus_mapping_new(size, size, size, size);
    if (!srv->connections || !srv->ctx || !srv->mapping || pipe2(srv->wake, O_CLOEXEC) < 0) goto fail;
    srv->listener = listen_on(host, port, max_connections, &srv->port);
    if (srv->listener < 0) goto fail;
    for (int i = 0; i < size; i++) {
        srv->mapping->tab_registers[i] = (uint16_t)i;
        srv->mapping->tab_input_registers[i] = (uint16_t)i;
        srv->mapping->tab_bits[i] = (uint8_t)(i % 2);
        srv->mapping->tab_input_bits[i] = (uint8_t)(i % 2);
    }
    return srv;
fail: {
        int saved = errno;
        mb_baseline_server_free(srv);
        errno = saved;
        return NULL;
    }
}

int mb_baseline_server_port(const mb_baseline_server *srv) { return srv->port; }

unsigned long mb_baseline_server_requests(const mb_baseline_server *srv) {
    return atomic_load_explicit(&srv->requests, memory_order_relaxed);
}

static void drop_connection(mb_baseline_server *srv, int index) {
    close(srv->connections[index]);
    srv->connections[index] = srv->connections[--srv->connection_count];
}

static void accept_connection(mb_baseline_server *srv) {
    int s = accept4(srv->listener, NULL, NULL, SOCK_CLOEXEC);
    if (s < 0) return;
    if (srv->connection_count == srv->max_connections) {
        close(s);
        return;
    }
    int on = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    srv->connections[srv->connection_count++] = s;
}

/* Answers one request on connection `index`; drops the connection when the client has gone or
 * sent something that is not Modbus TCP. */
static void serve_connection(mb_baseline_server *srv, int index, uint8_t *query) {
    modbus_set_socket(srv->ctx, srv->connections[index]);
    int rc = modbus_receive(srv->ctx, query);
    if (rc > 0) {
        if (modbus_reply(srv->ctx, query, rc, srv->mapping) >= 0)
            atomic_fetch_add_explicit(&srv->requests, 1, memory_order_relaxed);
    } else if (rc < 0) {
        drop_connection(srv, index);
    }
}

int mb_baseline_server_run(mb_baseline_server *srv) {
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    struct pollfd *fds = calloc((size_t)srv->max_connections + 2, sizeof *fds);
    if (!fds) return -1;
    for (;;) {
        fds[0] = (struct pollfd){.fd = srv->wake[0], .events = POLLIN};
        fds[1] = (struct pollfd){.fd = srv->listener, .events = POLLIN};
        int n = srv->connection_count;
        for (int i = 0; i < n; i++) fds[2 + i] = (struct pollfd){.fd = srv->connections[i], .events = POLLIN};
        if (poll(fds, (nfds_t)n + 2, -1) < 0) {
            if (errno == EINTR) continue;
            int saved = errno;
            free(fds);
            errno = saved;
            return -1;
        }
        if (fds[0].revents) break;
        /* Back to front, so that dropping connection i (which moves the last one into its
         * place) never skips a ready one. */
        for (int i = n - 1; i >= 0; i--)
            if (fds[2 + i].revents) serve_connection(srv, i, query);
        if (fds[1].revents & POLLIN) accept_connection(srv);
    }
    free(fds);
    return 0;
}

static void *server_thread(void *arg) {
    mb_baseline_server_run(arg);
    return NULL;
}

int mb_baseline_server_start(mb_baseline_server *srv) {
    int rc = pthread_create(&srv->thread, NULL, server_thread, srv);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    srv->started = 1;
    return 0;
}

void mb_baseline_server_stop(mb_baseline_server *srv) {
    char byte = 1;
    while (write(srv->wake[1], &byte, 1) < 0 && errno == EINTR) {}
    if (srv->started) {
        pthread_join(srv->thread, NULL);
        srv->started = 0;
    }
}

void mb_baseline_server_free(mb_baseline_server *srv) {
    if (!srv) return;
    while (srv->connection_count > 0) drop_connection(srv, srv->connection_count - 1);
    if (srv->listener >= 0) close(srv->listener);
    if (srv->wake[0] >= 0) close(srv->wake[0]);
    if (srv->wake[1] >= 0) close(srv->wake[1]);
    if (srv->mapping) modbus_mapping_free(srv->mapping);
    if (srv->ctx) modbus_free(srv->ctx); /* its socket is one of ours, already closed */
    free(srv->connections);
    free(srv);
}

struct mb_baseline_client {
    modbus_t *ctx;
};

mb_baseline_client *mb_baseline_client_connect(const char *host, int port, int unit, int response_timeout_ms) {
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    mb_baseline_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->ctx = modbus_new_tcp_pi(host, service);
    if (!c->ctx) goto fail;
    modbus_set_error_recovery(c->ctx, MODBUS_ERROR_RECOVERY_NONE);
    if (modbus_set_response_timeout(c->ctx, (uint32_t)(response_timeout_ms / 1000),
                                    (uint32_t)(response_timeout_ms % 1000) * 1000) < 0 ||
        modbus_set_slave(c->ctx, unit) < 0 || modbus_connect(c->ctx) < 0)
        goto fail;
    return c;
fail: {
        int saved = errno;
        mb_baseline_client_free(c);
        errno = saved;
        return NULL;
    }
}

long mb_baseline_client_read_holding(mb_baseline_client *c, int address, int count, long transactions) {
    uint16_t registers[MODBUS_MAX_READ_REGISTERS];
    long sum = 0;
    if (count < 1 || count > MODBUS_MAX_READ_REGISTERS) {
        errno = EINVAL;
        return -1;
    }
    for (long i = 0; i < transactions; i++) {
        if (modbus_read_registers(c->ctx, address, count, registers) != count) return -1;
        sum += registers[0];
    }
    return sum;
}

void mb_baseline_client_free(mb_baseline_client *c) {
    if (!c) return;
    if (c->ctx) {
        modbus_close(c->ctx);
        modbus_free(c->ctx);
    }
    free(c);
}
