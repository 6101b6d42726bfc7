/* Stands in for a network scanner: non-blocking TCP connects to
 * 192.168.56.1..40 port 22 and to 192.168.56.1 ports 20..60 (81 attempts),
 * waits 200 ms, prints "scan: <n> attempts, <m> open, <e> failed at once"
 * and exits 0. */
#include <stdlib.h>

#include "net.h"

#define MAX_TARGETS 128

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct pollfd fds[MAX_TARGETS];
  int nfds = 0, attempts = 0, failed = 0;
  for (int i = 0; i < 81; ++i) {
    char ip[32];
    int port;
    if (i < 40) {
      snprintf(ip, sizeof(ip), "192.168.56.%d", i + 1);
      port = 22;
    } else {
      snprintf(ip, sizeof(ip), "192.168.56.1");
      port = 20 + (i - 40);
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      ++failed;
      continue;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, ip, &sa.sin_addr);
    ++attempts;
    if (connect(fd, (struct sockaddr*)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
      ++failed;
      close(fd);
      continue;
    }
    fds[nfds].fd = fd;
    fds[nfds].events = POLLOUT;
    fds[nfds].revents = 0;
    ++nfds;
  }
  int open_ports = 0;
  long long deadline = net_now_ms() + 200;
  int done[MAX_TARGETS] = {0};
  for (;;) {
    long long left = deadline - net_now_ms();
    if (left <= 0 || nfds == 0) break;
    int pr = poll(fds, (nfds_t)nfds, (int)left);
    if (pr <= 0) continue;
    for (int i = 0; i < nfds; ++i) {
      if (fds[i].revents == 0 || done[i]) continue;
      int err = 0;
      socklen_t l = sizeof(err);
      getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &err, &l);
      if (err == 0) ++open_ports;
      done[i] = 1;
      fds[i].fd = -fds[i].fd - 1; /* poll ignores negative fds */
    }
  }
  for (int i = 0; i < nfds; ++i) close(fds[i].fd >= 0 ? fds[i].fd : -fds[i].fd - 1);
  printf("scan: %d attempts, %d open, %d failed at once\n", attempts, open_ports, failed);
  return 0;
}
