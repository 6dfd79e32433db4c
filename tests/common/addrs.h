/* Addresses for unit tests, from their text: the kernel's form, a CIDR block, a peer as the
 * master sees it at accept. Each fails the test on text that does not parse. */
#ifndef TEST_ADDRS_H
#define TEST_ADDRS_H

#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "peer.h"

/* "192.0.2.7", "2001:db8::1" or "::ffff:192.0.2.7" (rewritten as IPv4), at port. */
struct sockaddr_storage addr_of(const char *text, uint16_t port);

/* As parse_cidr reads it. */
struct cidr cidr_of(const char *text);

/* The peer the master records when it accepts a connection from text port port, at time 0. */
struct peer peer_of(const char *text, uint16_t port);

/* The --max-per-source source of text. */
struct srckey key_of(const char *text);

#endif
