/* A native probe run inside the sandbox by tests/judge/test_sandbox.py.
 *
 * Each mode tries one thing a submission might try and prints one line saying what happened,
 * so the tests check the sandbox itself rather than the limits of the offline Lean. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int report(const char *what, int ok) {
    if (ok) printf("%s OK\n", what);
    else printf("%s ERR %s\n", what, strerror(errno));
    fflush(stdout);
    return 0;
}

static void *idle(void *arg) { sleep(1); return arg; }

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *mode = argv[1];
    if (!strcmp(mode, "hello")) {
        char cwd[4096];
        printf("hello uid=%d gid=%d cwd=%s\n", (int)getuid(), (int)getgid(), getcwd(cwd, sizeof cwd));
        if (argc > 2) {  /* echo stdin back */
            char buf[4096]; ssize_t n;
            while ((n = read(0, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
        }
        return 0;
    }
    if (!strcmp(mode, "read")) {
        int fd = open(argv[2], O_RDONLY);
        char buf[16];
        return report("read", fd >= 0 && read(fd, buf, sizeof buf) >= 0);
    }
    if (!strcmp(mode, "write")) {
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        return report("write", fd >= 0 && write(fd, "x", 1) == 1);
    }
    if (!strcmp(mode, "env")) {
        const char *v = getenv(argv[2]);
        printf("env %s\n", v ? v : "ABSENT");
        return 0;
    }
    if (!strcmp(mode, "connect")) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[3]))};
        inet_pton(AF_INET, argv[2], &a.sin_addr);
        return report("connect", s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0);
    }
    if (!strcmp(mode, "fork")) {  /* one child: is process creation allowed at all? */
        pid_t p = fork();
        if (p == 0) _exit(0);
        if (p > 0) waitpid(p, NULL, 0);
        return report("fork", p > 0);
    }
    if (!strcmp(mode, "threads")) {
        int n = atoi(argv[2]), made = 0;
        pthread_t t[256];
        for (int i = 0; i < n && i < 256; i++) if (pthread_create(&t[i], NULL, idle, NULL) == 0) made++;
        for (int i = 0; i < made; i++) pthread_join(t[i], NULL);
        printf("threads %d\n", made);
        return 0;
    }
    if (!strcmp(mode, "forkbomb")) {
        for (;;) { fork(); }
    }
    if (!strcmp(mode, "hog")) {  /* touch MB megabytes, then sleep */
        long mb = atol(argv[2]);
        for (long i = 0; i < mb; i++) {
            char *p = malloc(1 << 20);
            if (!p) { printf("hog malloc failed at %ld\n", i); return 1; }
            memset(p, 1, 1 << 20);
        }
        printf("hog done\n");
        fflush(stdout);
        sleep(60);
        return 0;
    }
    if (!strcmp(mode, "flood")) {
        long n = atol(argv[2]);
        char line[1024];
        memset(line, 'x', sizeof line - 1);
        line[sizeof line - 1] = '\n';
        for (long i = 0; i < n; i += (long)sizeof line) fwrite(line, 1, sizeof line, stdout);
        return 0;
    }
    if (!strcmp(mode, "serve")) {  /* a line protocol like the checker session's */
        char line[4096];
        while (fgets(line, sizeof line, stdin)) {
            if (!strcmp(line, "die\n")) return 3;
            if (!strcmp(line, "hang\n")) sleep(60);
            printf("[DEBUG] chatter before the reply\nARENA-REPLY %s", line);
            fflush(stdout);
        }
        return 0;
    }
    if (!strcmp(mode, "waitgo")) {  /* like the exporter: ready marker, go line, then the file */
        char line[256] = {0}, data[256] = {0};
        fprintf(stderr, "ARENA-EXPORTER-WAITING\n");
        fflush(stderr);
        if (!fgets(line, sizeof line, stdin)) return 5;
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0) return 6;
        if (read(fd, data, sizeof data - 1) < 0) return 7;
        printf("%s|%s", line, data);
        return 0;
    }
    if (!strcmp(mode, "spin")) {  /* a busy loop: only the wall clock ends it */
        for (volatile unsigned long i = 0;; i++) {}
    }
    if (!strcmp(mode, "sleep")) {
        sleep((unsigned)atoi(argv[2]));
        printf("slept\n");
        return 0;
    }
    return 2;
}
