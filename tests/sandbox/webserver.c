/* A benign service: listens on 0.0.0.0:WEB_PORT (default 8080) and answers
 * every client "HTTP/1.0 200 OK\r\n\r\nhello\n" for WEB_SECONDS (default 2)
 * seconds, then exits 0. No outbound connections, no exec. Exit 1 if it
 * cannot listen. */
#include <stdlib.h>

#include "net.h"

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int port = 8080, seconds = 2;
  const char* env = getenv("WEB_PORT");
  if (env != NULL && *env != 0) port = atoi(env);
  env = getenv("WEB_SECONDS");
  if (env != NULL && *env != 0) seconds = atoi(env);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  if (fd < 0 || bind(fd, (struct sockaddr*)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
    printf("listen 0.0.0.0:%d failed: %s\n", port, strerror(errno));
    return 1;
  }
  printf("listening on 0.0.0.0:%d for %d s\n", port, seconds);
  long long deadline = net_now_ms() + (long long)seconds * 1000;
  int served = 0;
  for (;;) {
    long long left = deadline - net_now_ms();
    if (left <= 0) break;
    struct pollfd pfd = {fd, POLLIN, 0};
    int pr = poll(&pfd, 1, (int)left);
    if (pr <= 0) continue;
    int c = accept(fd, NULL, NULL);
    if (c < 0) continue;
    /* Read what the client sent (briefly), then answer. */
    char buf[1024];
    struct pollfd cp = {c, POLLIN, 0};
    if (poll(&cp, 1, 500) > 0) (void)!recv(c, buf, sizeof(buf), 0);
    const char* reply = "HTTP/1.0 200 OK\r\n\r\nhello\n";
    net_send_all(c, reply, strlen(reply));
    close(c);
    ++served;
  }
  close(fd);
  printf("served %d clients\n", served);
  return 0;
}
