// Webhook and Shared Signals delivery through libcurl, loaded with dlopen on first use.
//
// Why not URLSession: on Linux it lives in FoundationNetworking, which links libcurl and some
// thirty libraries of its own (Kerberos, SASL, LDAP, TLS...) into every start of tokenwatch,
// about 6.5 ms of a 16 ms start, though most runs never send a webhook. Why C: libcurl's
// `curl_easy_setopt` is variadic, which Swift cannot call. No curl headers are needed at build
// time: the few declarations used are below, with their values from curl.h (stable ABI).

#include "CHTTPPost.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef void CURL;
struct curl_slist;

enum {
  TW_CURLOPT_URL = 10002,
  TW_CURLOPT_POSTFIELDS = 10015,
  TW_CURLOPT_HTTPHEADER = 10023,
  TW_CURLOPT_WRITEFUNCTION = 20011,
  TW_CURLOPT_POSTFIELDSIZE_LARGE = 30120,
  TW_CURLOPT_POST = 47,
  TW_CURLOPT_NOSIGNAL = 99,
  TW_CURLOPT_TIMEOUT_MS = 155,
  TW_CURLOPT_PROTOCOLS = 181,
  TW_CURLOPT_PROTOCOLS_STR = 10318,
  TW_CURLPROTO_HTTP = 1,
  TW_CURLPROTO_HTTPS = 2,
  TW_CURLINFO_RESPONSE_CODE = 0x200002,
  TW_CURL_GLOBAL_DEFAULT = 3,
  TW_CURLE_UNKNOWN_OPTION = 48,
};

static struct {
  int loaded;
  char error[256];
  int (*global_init)(long);
  CURL *(*easy_init)(void);
  int (*easy_setopt)(CURL *, int, ...);
  int (*easy_perform)(CURL *);
  int (*easy_getinfo)(CURL *, int, ...);
  void (*easy_cleanup)(CURL *);
  const char *(*easy_strerror)(int);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
  static const char *const names[] = {"libcurl.so.4", "libcurl.so", "libcurl.4.dylib", "libcurl.dylib"};
  void *library = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0] && library == NULL; i++) library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    snprintf(curl.error, sizeof curl.error, "libcurl is not installed (libcurl.so.4): %s", dlerror());
    return;
  }
#define TW_SYMBOL(field, name)                                                         \
  *(void **)&curl.field = dlsym(library, name);                                        \
  if (curl.field == NULL) {                                                             \
    snprintf(curl.error, sizeof curl.error, "libcurl lacks %s", name);                 \
    return;                                                                             \
  }
  TW_SYMBOL(global_init, "curl_global_init")
  TW_SYMBOL(easy_init, "curl_easy_init")
  TW_SYMBOL(easy_setopt, "curl_easy_setopt")
  TW_SYMBOL(easy_perform, "curl_easy_perform")
  TW_SYMBOL(easy_getinfo, "curl_easy_getinfo")
  TW_SYMBOL(easy_cleanup, "curl_easy_cleanup")
  TW_SYMBOL(easy_strerror, "curl_easy_strerror")
  TW_SYMBOL(slist_append, "curl_slist_append")
  TW_SYMBOL(slist_free_all, "curl_slist_free_all")
#undef TW_SYMBOL
  // Once, before any handle: not thread-safe in older libcurl.
  if (curl.global_init(TW_CURL_GLOBAL_DEFAULT) != 0) {
    snprintf(curl.error, sizeof curl.error, "curl_global_init failed");
    return;
  }
  curl.loaded = 1;
}

static void copy_error(char *error, size_t error_length, const char *text) {
  if (error_length == 0) return;
  snprintf(error, error_length, "%s", text);
}

int tw_http_available(char *error, size_t error_length) {
  pthread_once(&load_once, load);
  if (!curl.loaded) copy_error(error, error_length, curl.error);
  return curl.loaded;
}

// The response body is not read: answers are judged by their status alone.
static size_t discard(char *data, size_t size, size_t count, void *context) {
  (void)data;
  (void)context;
  return size * count;
}

int tw_http_post(const char *url, const unsigned char *body, size_t body_length, const char *const *headers,
                 size_t header_count, long timeout_ms, long *status, char *error, size_t error_length) {
  *status = 0;
  if (!tw_http_available(error, error_length)) return -1;
  CURL *handle = curl.easy_init();
  if (handle == NULL) {
    copy_error(error, error_length, "curl_easy_init failed");
    return -1;
  }
  struct curl_slist *list = NULL;
  int code = 0;
  for (size_t i = 0; i < header_count; i++) {
    struct curl_slist *longer = curl.slist_append(list, headers[i]);
    if (longer == NULL) {
      code = -1;
      copy_error(error, error_length, "out of memory for headers");
      goto done;
    }
    list = longer;
  }
  // http and https only (no file://, no redirects to other schemes); no redirects at all.
  if (curl.easy_setopt(handle, TW_CURLOPT_PROTOCOLS_STR, "http,https") == TW_CURLE_UNKNOWN_OPTION) {
    curl.easy_setopt(handle, TW_CURLOPT_PROTOCOLS, (long)(TW_CURLPROTO_HTTP | TW_CURLPROTO_HTTPS));
  }
  // No SIGALRM for timeouts in a multi-threaded process.
  curl.easy_setopt(handle, TW_CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(handle, TW_CURLOPT_URL, url);
  curl.easy_setopt(handle, TW_CURLOPT_POST, 1L);
  curl.easy_setopt(handle, TW_CURLOPT_POSTFIELDS, (const void *)body);
  curl.easy_setopt(handle, TW_CURLOPT_POSTFIELDSIZE_LARGE, (long long)body_length);
  curl.easy_setopt(handle, TW_CURLOPT_HTTPHEADER, list);
  // The whole request, connecting included.
  curl.easy_setopt(handle, TW_CURLOPT_TIMEOUT_MS, timeout_ms);
  curl.easy_setopt(handle, TW_CURLOPT_WRITEFUNCTION, discard);
  code = curl.easy_perform(handle);
  if (code == 0) {
    curl.easy_getinfo(handle, TW_CURLINFO_RESPONSE_CODE, status);
  } else {
    copy_error(error, error_length, curl.easy_strerror(code));
  }
done:
  curl.slist_free_all(list);
  curl.easy_cleanup(handle);
  return code;
}
