// Linux calls that the Glibc module does not expose to Swift: epoll, eventfd, accept4.
#ifndef DCMMS_CPLATFORMSHIMS_H
#define DCMMS_CPLATFORMSHIMS_H

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

int CPlatform_epoll_create(void);
int CPlatform_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// Waits for events; fills parallel arrays of event masks and user data. Returns the count or -1.
int CPlatform_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max, int timeout_ms);
int CPlatform_eventfd(void);
int CPlatform_accept4(int fd, struct sockaddr *addr, socklen_t *len);
int CPlatform_set_nodelay(int fd);
int CPlatform_set_reuseaddr(int fd);

extern const uint32_t CPlatform_EPOLLIN;
extern const uint32_t CPlatform_EPOLLOUT;
extern const uint32_t CPlatform_EPOLLERR;
extern const uint32_t CPlatform_EPOLLHUP;
extern const uint32_t CPlatform_EPOLLRDHUP;
extern const uint32_t CPlatform_EPOLLET;
extern const int CPlatform_EPOLL_CTL_ADD;
extern const int CPlatform_EPOLL_CTL_MOD;
extern const int CPlatform_EPOLL_CTL_DEL;

#endif
