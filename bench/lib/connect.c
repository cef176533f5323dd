/*
 * The data-path bench's lean client and server (built at bench time with the machine's cc).
 *
 *   connect server PORT            accept and close, forever; prints "up" once listening
 *   connect client IP PORT N W     W warm-up connects, then N timed ones; prints p50/p99/p999 in us
 *
 * A timed connect is socket() + a blocking connect() until the handshake completes; the socket is
 * then closed with SO_LINGER 0 (a reset: no TIME_WAIT, no port exhaustion over many runs).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int server(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 4096)) { perror("server"); return 1; }
  printf("up\n");
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c >= 0) close(c);
  }
}

static int client(const char *ip, int port, int n, int warm) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  struct linger l = {.l_onoff = 1, .l_linger = 0};
  double *t = malloc(sizeof(double) * n);
  if (!t || inet_pton(AF_INET, ip, &a.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", ip); return 2; }
  for (int i = 0; i < warm + n; i++) {
    double t0 = now_us();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a)) { perror("connect"); return 1; }
    double t1 = now_us();
    setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(s);
    if (i >= warm) t[i - warm] = t1 - t0;
  }
  qsort(t, n, sizeof(double), cmp);
  printf("{\"n\":%d,\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"min\":%.2f}\n", n, t[n / 2], t[(int)(n * 0.99)], t[(int)(n * 0.999)], t[0]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "server")) return server(atoi(argv[2]));
  if (argc == 6 && !strcmp(argv[1], "client")) return client(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
  fprintf(stderr, "usage: connect server PORT | connect client IP PORT N WARMUP\n");
  return 2;
}
