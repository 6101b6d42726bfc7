/* The sandbox safety probe. Tries a TCP connect to 127.0.0.1:PROBE_PORT and
 * sends "probe\n", tries to open and read PROBE_FILE, counts the processes
 * it can see in /proc, and prints one JSON line:
 *   {"connect":"ok"|"<strerror>","read":"ok"|"<strerror>","procs":N,
 *    "uid":U,"hostname":"<name>"}
 * ("unset" when PROBE_PORT / PROBE_FILE is not set; procs -1 when /proc
 * cannot be read). Exits 0. */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>

#include "net.h"

static void put_json_string(const char* s) {
  putchar('"');
  for (; *s != 0; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static const char* try_connect(void) {
  const char* port = getenv("PROBE_PORT");
  if (port == NULL || *port == 0) return "unset";
  struct in_addr lo;
  lo.s_addr = htonl(INADDR_LOOPBACK);
  /* net_connect prints; keep stdout to the one JSON line. */
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return strerror(errno);
  struct timeval tv = {2, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)atoi(port));
  sa.sin_addr = lo;
  if (connect(fd, (struct sockaddr*)&sa, sizeof(sa)) != 0) {
    int e = errno;
    close(fd);
    return strerror(e);
  }
  int rc = net_send_all(fd, "probe\n", 6);
  int e = errno;
  close(fd);
  return rc == 0 ? "ok" : strerror(e);
}

static const char* try_read(void) {
  const char* path = getenv("PROBE_FILE");
  if (path == NULL || *path == 0) return "unset";
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return strerror(errno);
  char c;
  ssize_t n = read(fd, &c, 1);
  int e = errno;
  close(fd);
  return n >= 0 ? "ok" : strerror(e);
}

static int count_procs(void) {
  DIR* d = opendir("/proc");
  if (d == NULL) return -1;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    const char* p = e->d_name;
    if (*p == 0) continue;
    while (isdigit((unsigned char)*p)) ++p;
    if (*p == 0) ++n;
  }
  closedir(d);
  return n;
}

int main(void) {
  char host[256] = "";
  const char* connect_result = try_connect();
  char connect_text[128];
  snprintf(connect_text, sizeof(connect_text), "%s", connect_result);
  const char* read_result = try_read();
  int procs = count_procs();
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = 0;
  printf("{\"connect\":");
  put_json_string(connect_text);
  printf(",\"read\":");
  put_json_string(read_result);
  printf(",\"procs\":%d,\"uid\":%u,\"hostname\":", procs, (unsigned)getuid());
  put_json_string(host);
  printf("}\n");
  return 0;
}
