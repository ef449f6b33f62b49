/*
 * ctl_live_display.c - TTY redraw vs plain lines; see ctl_live_display.h.
 */
#include "ctl_live_display.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void ctl_live_display_init(struct ctl_live_display *d)
{
    memset(d, 0, sizeof(*d));
    d->tty = isatty(STDOUT_FILENO) == 1;
}

static int terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col - 1; /* never touch the last column: some terminals wrap there */
    return 79;
}

void ctl_live_display_show(struct ctl_live_display *d, const struct ctl_progress *p)
{
    if (!d->tty || d->json) {
        char line[512];
        if (!d->json)
            ctl_progress_plain(p, line, sizeof(line));
        else if (ctl_progress_json(p, line, sizeof(line)) != 0)
            return;
        if (strcmp(line, d->last_plain) != 0) {
            printf("%s\n", line);
            fflush(stdout);
            snprintf(d->last_plain, sizeof(d->last_plain), "%s", line);
        }
        return;
    }
    char l1[512], l2[512];
    ctl_progress_lines(p, terminal_width(), l1, l2, sizeof(l1));
    if (d->drawn)
        fputs("\r\033[2K\033[1A\r\033[2K", stdout);
    printf("%s\n\033[2K%s", l1, l2);
    fflush(stdout);
    d->drawn = true;
}

void ctl_live_display_finish(struct ctl_live_display *d)
{
    if (d->tty && d->drawn)
        fputc('\n', stdout);
    d->drawn = false;
    fflush(stdout);
}
