/* Stands in for cron persistence: tries to create /etc/cron.d/backdoor and
 * /var/spool/cron/crontabs/root with a line running /tmp/.x every minute.
 * Prints one line per file: "<path>: ok" or "<path>: <strerror>" (on the
 * sandbox's read-only root, "Read-only file system"). Exits 0. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void plant(const char* path) {
  const char* line = "* * * * * root /tmp/.x\n";
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    printf("%s: %s\n", path, strerror(errno));
    return;
  }
  ssize_t w = write(fd, line, strlen(line));
  if (w != (ssize_t)strlen(line))
    printf("%s: write: %s\n", path, w < 0 ? strerror(errno) : "short write");
  else
    printf("%s: ok\n", path);
  close(fd);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  plant("/etc/cron.d/backdoor");
  plant("/var/spool/cron/crontabs/root");
  return 0;
}
