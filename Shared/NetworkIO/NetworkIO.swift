/// Networking primitives on Linux epoll: event loops, listeners and connections.
package enum NetworkIO {}
