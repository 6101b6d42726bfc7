/* A benign, syscall-heavy program for the monitor overhead benchmark.
 * BUSY_ITERS (default 2000) rounds in BUSY_DIR (default /tmp) of: create
 * f<i>, write 64 bytes, close, stat, rename to g<i>, unlink; and every 10th
 * round (i % 10 == 0) fork + execve("/bin/sh", {"sh", "-c", "true"}) + wait.
 * Prints "busy: <n> iterations, <m> execs, <ms> ms" and exits 0; prints
 * "busy: <step> <path>: <strerror>" and exits 1 on the first failure. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(const char* step, const char* path) {
  printf("busy: %s %s: %s\n", step, path, strerror(errno));
  return 1;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int iters = 2000;
  const char* env = getenv("BUSY_ITERS");
  if (env != NULL && *env != 0) iters = atoi(env);
  const char* dir = getenv("BUSY_DIR");
  if (dir == NULL || *dir == 0) dir = "/tmp";
  char block[64];
  memset(block, 'b', sizeof(block));
  long long start = now_ms();
  int execs = 0;
  for (int i = 0; i < iters; ++i) {
    char f[4096], g[4096];
    snprintf(f, sizeof(f), "%s/f%d", dir, i);
    snprintf(g, sizeof(g), "%s/g%d", dir, i);
    int fd = open(f, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail("open", f);
    if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) return fail("write", f);
    if (close(fd) != 0) return fail("close", f);
    struct stat st;
    if (stat(f, &st) != 0) return fail("stat", f);
    if (rename(f, g) != 0) return fail("rename", f);
    if (unlink(g) != 0) return fail("unlink", g);
    if (i % 10 == 0) {
      fflush(stdout);
      pid_t pid = fork();
      if (pid < 0) return fail("fork", "/bin/sh");
      if (pid == 0) {
        char* argv[] = {(char*)"sh", (char*)"-c", (char*)"true", NULL};
        execve("/bin/sh", argv, environ);
        _exit(127);
      }
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("busy: /bin/sh -c true ended with status %d\n", status);
        return 1;
      }
      ++execs;
    }
  }
  printf("busy: %d iterations, %d execs, %lld ms\n", iters, execs, now_ms() - start);
  return 0;
}
