/* The pod sandbox ("pause") process: blocks until SIGTERM/SIGINT and reaps
 * every child re-parented to it. Built with `gcc -static` into the sandbox
 * image of the e2e node (containerd's sandbox_image). */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_term(int sig) {
    (void)sig;
    _exit(0);
}

static void on_child(int sig) {
    (void)sig;
    while (waitpid(-1, 0, WNOHANG) > 0) {
    }
}

int main(void) {
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    signal(SIGCHLD, on_child);
    for (;;) pause();
}
