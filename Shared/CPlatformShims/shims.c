#define _GNU_SOURCE
#include "CPlatformShims.h"
#include <fcntl.h>

const uint32_t CPlatform_EPOLLIN = EPOLLIN;
const uint32_t CPlatform_EPOLLOUT = EPOLLOUT;
const uint32_t CPlatform_EPOLLERR = EPOLLERR;
const uint32_t CPlatform_EPOLLHUP = EPOLLHUP;
const uint32_t CPlatform_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t CPlatform_EPOLLET = EPOLLET;
const int CPlatform_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int CPlatform_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int CPlatform_EPOLL_CTL_DEL = EPOLL_CTL_DEL;

int CPlatform_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int CPlatform_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
  struct epoll_event event;
  event.events = events;
  event.data.u64 = data;
  return epoll_ctl(epfd, op, fd, &event);
}

int CPlatform_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max, int timeout_ms) {
  struct epoll_event buffer[256];
  if (max > 256) max = 256;
  int count = epoll_wait(epfd, buffer, max, timeout_ms);
  for (int i = 0; i < count; i++) {
    events[i] = buffer[i].events;
    data[i] = buffer[i].data.u64;
  }
  return count;
}

int CPlatform_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int CPlatform_accept4(int fd, struct sockaddr *addr, socklen_t *len) {
  return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int CPlatform_set_nodelay(int fd) {
  int one = 1;
  return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int CPlatform_set_reuseaddr(int fd) {
  int one = 1;
  return setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
}
