/* Forks one child; parent and child then sleep forever. Prints
 * "sleeper: parent <pid> child <pid>". For the tests that a timeout or a
 * killed customs leaves nothing running. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pid_t parent = getpid();
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) perror("sleeper: fork");
  if (child > 0) printf("sleeper: parent %d child %d\n", (int)parent, (int)child);
  for (;;) {
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
  }
}
