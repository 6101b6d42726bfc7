/* The stub /bin/sh of every sandbox test image. Runs nothing:
 *   sh -c CMD ...   exits 0 (CMD ignored)
 *   sh FILE         exits N at the first line "exit N" of FILE ("exit" alone:
 *                   0), else 0; 127 if FILE cannot be opened
 *   sh, sh -i       reads stdin until EOF, an error or 5 s, then exits 0 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int drain_stdin(void) {
  char buf[4096];
  long long deadline = now_ms() + 5000;
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return 0;
    struct pollfd pfd = {0, POLLIN, 0};
    int pr = poll(&pfd, 1, (int)left);
    if (pr < 0 && errno == EINTR) continue;
    if (pr < 0) return 0;
    if (pr == 0) return 0;
    ssize_t n = read(0, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
  }
}

static int run_file(const char* path) {
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "sh: cannot open %s: %s\n", path, strerror(errno));
    return 127;
  }
  char line[1024];
  while (fgets(line, sizeof(line), f) != NULL) {
    char* p = line;
    while (*p == ' ' || *p == '\t') ++p;
    if (strncmp(p, "exit", 4) != 0) continue;
    p += 4;
    if (*p != 0 && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') continue;
    while (*p == ' ' || *p == '\t') ++p;
    fclose(f);
    return atoi(p) & 0xFF;
  }
  fclose(f);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "-c") == 0) return 0;
  if (argc < 2 || strcmp(argv[1], "-i") == 0) return drain_stdin();
  return run_file(argv[1]);
}
