/* Minimal networking for the sandbox test programs: a DNS A-record client
 * (no libc resolver, which a static glibc cannot use) and TCP connect with a
 * timeout. Every step prints one line to stdout saying what happened. */
#ifndef CUSTOMS_TESTS_SANDBOX_NET_H_
#define CUSTOMS_TESTS_SANDBOX_NET_H_

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NET_TIMEOUT_MS 2000

/* Milliseconds on the monotonic clock. */
static inline long long net_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first "nameserver" of /etc/resolv.conf, else 127.0.0.1. */
static inline struct in_addr net_nameserver(void) {
  struct in_addr addr;
  char line[256];
  FILE* f = fopen("/etc/resolv.conf", "r");
  addr.s_addr = htonl(INADDR_LOOPBACK);
  if (f == NULL) return addr;
  while (fgets(line, sizeof(line), f) != NULL) {
    char* p = line;
    while (*p == ' ' || *p == '\t') ++p;
    if (strncmp(p, "nameserver", 10) != 0 || (p[10] != ' ' && p[10] != '\t')) continue;
    p += 10;
    while (*p == ' ' || *p == '\t') ++p;
    char* end = p;
    while (*end != 0 && *end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') ++end;
    *end = 0;
    struct in_addr parsed;
    if (inet_pton(AF_INET, p, &parsed) == 1) addr = parsed;
    break;
  }
  fclose(f);
  return addr;
}

/* Skips a (possibly compressed) DNS name at msg[*off]; 0 on success. */
static inline int net_skip_name(const unsigned char* msg, size_t len, size_t* off) {
  size_t o = *off;
  int labels = 0;
  while (o < len && labels < 128) {
    unsigned char c = msg[o];
    if (c == 0) {
      *off = o + 1;
      return 0;
    }
    if ((c & 0xC0) == 0xC0) {
      if (len - o < 2) return -1;
      *off = o + 2;
      return 0;
    }
    if ((c & 0xC0) != 0) return -1;
    if (len - o - 1 < c) return -1;
    o += 1 + (size_t)c;
    ++labels;
  }
  return -1;
}

/* Resolves `name` to its first A record with one UDP query (2 s timeout).
 * Prints "dns: <name> -> <ip> (via <ns>)" or "dns: <name> failed: <why>".
 * Returns 0 on success. */
static inline int net_resolve(const char* name, struct in_addr* out) {
  unsigned char q[512];
  unsigned char r[1500];
  char ns_text[INET_ADDRSTRLEN];
  struct in_addr ns = net_nameserver();
  inet_ntop(AF_INET, &ns, ns_text, sizeof(ns_text));
  uint16_t id = (uint16_t)(getpid() ^ net_now_ms());
  size_t n = 0;
  memset(q, 0, sizeof(q));
  q[0] = (unsigned char)(id >> 8);
  q[1] = (unsigned char)id;
  q[2] = 0x01; /* RD */
  q[5] = 1;    /* QDCOUNT */
  n = 12;
  const char* p = name;
  while (*p != 0) {
    const char* dot = strchr(p, '.');
    size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);
    if (l == 0 || l > 63 || n + l + 1 > sizeof(q) - 5) {
      printf("dns: %s failed: bad name\n", name);
      return -1;
    }
    q[n++] = (unsigned char)l;
    memcpy(q + n, p, l);
    n += l;
    p += l;
    if (*p == '.') ++p;
  }
  q[n++] = 0;
  q[n++] = 0;
  q[n++] = 1; /* QTYPE A */
  q[n++] = 0;
  q[n++] = 1; /* QCLASS IN */

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    printf("dns: %s failed: socket: %s\n", name, strerror(errno));
    return -1;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons(53);
  sa.sin_addr = ns;
  if (connect(fd, (struct sockaddr*)&sa, sizeof(sa)) != 0 || send(fd, q, n, 0) != (ssize_t)n) {
    printf("dns: %s failed: send to %s: %s\n", name, ns_text, strerror(errno));
    close(fd);
    return -1;
  }
  long long deadline = net_now_ms() + NET_TIMEOUT_MS;
  for (;;) {
    long long left = deadline - net_now_ms();
    if (left <= 0) {
      printf("dns: %s failed: timeout via %s\n", name, ns_text);
      close(fd);
      return -1;
    }
    struct pollfd pfd = {fd, POLLIN, 0};
    int pr = poll(&pfd, 1, (int)left);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    ssize_t got = recv(fd, r, sizeof(r), 0);
    if (got < 0) {
      printf("dns: %s failed: recv from %s: %s\n", name, ns_text, strerror(errno));
      close(fd);
      return -1;
    }
    size_t len = (size_t)got;
    if (len < 12 || r[0] != q[0] || r[1] != q[1] || (r[2] & 0x80) == 0) continue;
    close(fd);
    int rcode = r[3] & 0x0F;
    if (rcode != 0) {
      printf("dns: %s failed: rcode %d via %s\n", name, rcode, ns_text);
      return -1;
    }
    unsigned qd = ((unsigned)r[4] << 8) | r[5];
    unsigned an = ((unsigned)r[6] << 8) | r[7];
    size_t off = 12;
    for (unsigned i = 0; i < qd; ++i) {
      if (net_skip_name(r, len, &off) != 0 || len - off < 4) goto bad;
      off += 4;
    }
    for (unsigned i = 0; i < an; ++i) {
      if (net_skip_name(r, len, &off) != 0 || len - off < 10) goto bad;
      unsigned type = ((unsigned)r[off] << 8) | r[off + 1];
      unsigned rdlen = ((unsigned)r[off + 8] << 8) | r[off + 9];
      off += 10;
      if (len - off < rdlen) goto bad;
      if (type == 1 && rdlen == 4) {
        char ip[INET_ADDRSTRLEN];
        memcpy(&out->s_addr, r + off, 4);
        inet_ntop(AF_INET, out, ip, sizeof(ip));
        printf("dns: %s -> %s (via %s)\n", name, ip, ns_text);
        return 0;
      }
      off += rdlen;
    }
    printf("dns: %s failed: no A record via %s\n", name, ns_text);
    return -1;
  bad:
    printf("dns: %s failed: malformed answer via %s\n", name, ns_text);
    return -1;
  }
}

/* TCP connect to addr:port with a 2 s timeout. Prints
 * "connect <ip>:<port> ok" or "connect <ip>:<port> failed: <why>".
 * Returns a blocking socket, or -1. */
static inline int net_connect(struct in_addr addr, int port) {
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, ip, sizeof(ip));
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    printf("connect %s:%d failed: socket: %s\n", ip, port, strerror(errno));
    return -1;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr = addr;
  int err = 0;
  if (connect(fd, (struct sockaddr*)&sa, sizeof(sa)) != 0) {
    if (errno != EINPROGRESS) {
      err = errno;
    } else {
      struct pollfd pfd = {fd, POLLOUT, 0};
      int pr;
      do {
        pr = poll(&pfd, 1, NET_TIMEOUT_MS);
      } while (pr < 0 && errno == EINTR);
      if (pr == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t l = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0) err = errno;
      }
    }
  }
  if (err != 0) {
    printf("connect %s:%d failed: %s\n", ip, port, strerror(err));
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  printf("connect %s:%d ok\n", ip, port);
  return fd;
}

/* Writes all of buf; 0 on success. */
static inline int net_send_all(int fd, const char* buf, size_t len) {
  while (len > 0) {
    ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    buf += w;
    len -= (size_t)w;
  }
  return 0;
}

#endif /* CUSTOMS_TESTS_SANDBOX_NET_H_ */
