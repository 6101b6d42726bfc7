/* Stands in for fileless execution: copies /bin/sh into an anonymous
 * memfd_create("payload") file and runs it with execveat(fd, "",
 * {"sh", "-c", "true"}, AT_EMPTY_PATH). Exit 3 on failure. (Not
 * MFD_CLOEXEC: with it, a script in the memfd could not be run.) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int fd = (int)syscall(SYS_memfd_create, "payload", 0);
  if (fd < 0) {
    printf("memfd_create failed: %s\n", strerror(errno));
    return 3;
  }
  int src = open("/bin/sh", O_RDONLY | O_CLOEXEC);
  if (src < 0) {
    printf("open /bin/sh failed: %s\n", strerror(errno));
    return 3;
  }
  char buf[65536];
  size_t total = 0;
  for (;;) {
    ssize_t n = read(src, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      printf("read /bin/sh failed: %s\n", strerror(errno));
      return 3;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(fd, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        printf("write memfd failed: %s\n", strerror(errno));
        return 3;
      }
      off += w;
    }
    total += (size_t)n;
  }
  close(src);
  printf("memfd: copied %zu bytes of /bin/sh, execveat\n", total);
  fflush(stdout);
  char* argv[] = {(char*)"sh", (char*)"-c", (char*)"true", NULL};
  extern char** environ;
  syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
  printf("execveat failed: %s\n", strerror(errno));
  return 3;
}
