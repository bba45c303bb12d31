#ifndef TOKENWATCH_CHTTPPOST_H
#define TOKENWATCH_CHTTPPOST_H

#include <stddef.h>

/// Whether libcurl could be loaded (at most once, on first use). On failure `error` says why.
int tw_http_available(char *error, size_t error_length);

/// POSTs `body` to `url` (http or https only, no redirects) with the given "Name: value" header
/// lines, within `timeout_ms`. Returns 0 when the request got a response, its status in
/// `status`; otherwise a libcurl error code (or -1 when libcurl cannot be loaded) with the reason
/// in `error`.
int tw_http_post(const char *url, const unsigned char *body, size_t body_length, const char *const *headers,
                 size_t header_count, long timeout_ms, long *status, char *error, size_t error_length);

#endif
