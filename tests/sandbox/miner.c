/* Stands in for a cryptominer: resolves a mining pool, sends a stratum login
 * with a made-up Monero-style wallet, then burns CPU for MINER_SECONDS
 * (default 3) seconds whether or not the pool answered. Exits 0. */
#include <stdlib.h>

#include "net.h"

#define POOL "pool.supportxmr.com"
#define POOL_PORT 3333
/* Made up for the tests (95 base58 characters starting "4A"); not a wallet. */
#define WALLET                                                                  \
  "4AMASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw9KTAb8dLcukC7edhDQ7cn5d4gEYkbUrMW" \
  "eWQLGsCmrG6dLaYyNoVK"

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct in_addr addr;
  if (net_resolve(POOL, &addr) == 0) {
    int fd = net_connect(addr, POOL_PORT);
    if (fd >= 0) {
      const char* login =
          "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"" WALLET
          "\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0\"}}\n";
      if (net_send_all(fd, login, strlen(login)) == 0)
        printf("stratum: login sent (%zu bytes)\n", strlen(login));
      else
        printf("stratum: send failed: %s\n", strerror(errno));
      close(fd);
    }
  }
  int seconds = 3;
  const char* env = getenv("MINER_SECONDS");
  if (env != NULL && *env != 0) seconds = atoi(env);
  if (seconds < 0) seconds = 0;
  printf("mining for %d s\n", seconds);
  long long deadline = net_now_ms() + (long long)seconds * 1000;
  volatile uint64_t h = 1469598103934665603ULL;
  unsigned long long rounds = 0;
  while (net_now_ms() < deadline) {
    for (int i = 0; i < 100000; ++i) h = (h ^ (uint64_t)i) * 1099511628211ULL;
    ++rounds;
  }
  printf("mined %llu rounds\n", rounds);
  return 0;
}
