#ifndef MODBUS_BASELINE_H
#define MODBUS_BASELINE_H
/*
 * Plain C loops over libmodbus: the yardstick the Swift layers' benchmarks compare with.
 * No libmodbus type crosses this header, so Swift callers need no CModbus import.
 */

/* A Modbus TCP server: one thread, poll(2) over the listening socket, a wake pipe and up to
 * max_connections clients; every unit id is answered from one libmodbus mapping. */
typedef struct mb_baseline_server mb_baseline_server;

/* Binds host:port (an IPv4 address; port 0 picks a free port) and listens. The mapping holds
 * `size` coils, discrete inputs, holding registers and input registers at addresses
 * 0 .. size-1 (1..65536); register i holds i, bit i is i % 2. Returns NULL with errno set. */
mb_baseline_server *mb_baseline_server_new(const char *host, int port, int max_connections, int size);

/* The TCP port the server listens on (the one picked when port 0 was asked for). */
int mb_baseline_server_port(const mb_baseline_server *server);

/* Serves on the calling thread until mb_baseline_server_stop. Returns 0, or -1 with errno. */
int mb_baseline_server_run(mb_baseline_server *server);

/* Runs mb_baseline_server_run on a thread of its own. Returns 0, or -1 with errno. */
int mb_baseline_server_start(mb_baseline_server *server);

/* Makes the serving loop return (callable from any thread); joins the server's own thread if
 * mb_baseline_server_start made one. */
void mb_baseline_server_stop(mb_baseline_server *server);

/* Requests answered so far (any thread). */
unsigned long mb_baseline_server_requests(const mb_baseline_server *server);

/* Closes every socket and frees the server; call after it has stopped. */
void mb_baseline_server_free(mb_baseline_server *server);

/* A Modbus TCP client connected to one server, addressing one unit. */
typedef struct mb_baseline_client mb_baseline_client;

/* Connects to host:port (name or address). Returns NULL with errno set. */
mb_baseline_client *mb_baseline_client_connect(const char *host, int port, int unit, int response_timeout_ms);

/* Reads `count` (1..125) holding registers at `address`, `transactions` times, back to back.
 * Returns the sum of the first register of every answer (so the loop cannot be optimised away),
 * or -1 with errno set at the first failure. */
long mb_baseline_client_read_holding(mb_baseline_client *client, int address, int count, long transactions);

/* Closes the connection and frees the client. */
void mb_baseline_client_free(mb_baseline_client *client);

#endif
