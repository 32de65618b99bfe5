// Typed wrappers for libcurl's variadic functions.
//
// `curl_easy_setopt` and `curl_easy_getinfo` are C variadics, which Swift cannot call. Each wrapper
// below fixes one argument type, so the compiler checks what Swift passes (numeric options always
// take `long`, as libcurl requires). Same approach as Foundation's `CFURLSession_easy_setopt_long`.
#ifndef HERALD_CCURL_SHIM_H
#define HERALD_CCURL_SHIM_H

#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static inline CURLcode herald_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode herald_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode herald_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode herald_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode herald_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// The signature libcurl expects for CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
typedef size_t (*herald_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);

static inline CURLcode herald_curl_setopt_data_callback(CURL *handle, CURLoption option, herald_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

/// The signature libcurl expects for CURLOPT_OPENSOCKETFUNCTION: called with the exact address a
/// connection is about to be made to (after DNS, for every address tried and every redirect hop);
/// returning CURL_SOCKET_BAD refuses that address. Its own typed setter because
/// `curl_easy_setopt` is variadic: a function pointer passed through `...` must have the right type.
typedef curl_socket_t (*herald_curl_opensocket_callback)(void *context, curlsocktype purpose, struct curl_sockaddr *address);

static inline CURLcode herald_curl_setopt_opensocket_callback(CURL *handle, herald_curl_opensocket_callback value) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, value);
}

/// CURL_SOCKET_BAD as a value Swift can use (the macro's definition depends on the platform).
static inline curl_socket_t herald_curl_socket_bad(void) {
    return CURL_SOCKET_BAD;
}

/// Copies the IP address and port of `address` (what libcurl is about to connect to) into `bytes`
/// (4 bytes for IPv4, 16 for IPv6, network order) and `port`; returns 4, 6, or 0 for any other
/// family. In C because `curl_sockaddr.addr` is a `struct sockaddr` whose IPv6 form is longer than
/// the declared field, which Swift would copy only in part.
static inline int herald_curl_sockaddr_address(const struct curl_sockaddr *address, unsigned char bytes[16], int *port) {
    if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&address->addr;
        memcpy(bytes, &v4->sin_addr, 4);
        *port = ntohs(v4->sin_port);
        return 4;
    }
    if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&address->addr;
        memcpy(bytes, &v6->sin6_addr, 16);
        *port = ntohs(v6->sin6_port);
        return 6;
    }
    return 0;
}

/// Opens the socket libcurl asked for, as libcurl itself does without an open-socket callback
/// (plus close-on-exec, so a child process never inherits it).
static inline curl_socket_t herald_curl_open_socket(const struct curl_sockaddr *address) {
#ifdef SOCK_CLOEXEC
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
#else
    return socket(address->family, address->socktype, address->protocol);
#endif
}

static inline CURLcode herald_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode herald_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
