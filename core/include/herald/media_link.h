/*
 * media_link.h - whether a template header's media link (or media ID) is one Meta takes.
 *
 * Why shared: the segmenter (and the control API, through it) refuses a bad link when a
 * campaign is defined, and the dispatcher refuses a job carrying one (a job may come from
 * another producer, or from a definition stored before a rule changed). Two copies of the rule
 * would drift apart, and a link one accepts and the other refuses fails a whole campaign.
 */
#ifndef HERALD_MEDIA_LINK_H
#define HERALD_MEDIA_LINK_H

/* 1 when `s` is an http:// or https:// URL of 1-2048 printable ASCII characters without
 * spaces (Meta fetches it; it is never escaped on the way); 0 otherwise, also for NULL. */
int herald_media_link_valid(const char *s);

/* 1 when `s` is a media ID as Meta's upload answers it (POST /{phone-number-id}/media): 1-64
 * ASCII digits; 0 otherwise, also for NULL. A header sends either a link or an ID. */
int herald_media_id_valid(const char *s);

#endif
