package mainproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// listenTCP binds the TCP listeners for listen-host (or every address of
// both families) on tcp-port, as ocserv's listen_ports: SO_REUSEADDR, and
// IPV6_V6ONLY on IPv6 sockets so the two families do not collide. A family
// the host lacks is skipped; binding nothing at all is an error.
func listenTCP(host string, port int) ([]*net.TCPListener, error) {
	targets, err := listenTargets(host, "tcp")
	if err != nil {
		return nil, err
	}
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
			if serr == nil && network == "tcp6" {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	var out []*net.TCPListener
	var firstErr error
	for _, t := range targets {
		ln, err := lc.Listen(context.Background(), t.network, net.JoinHostPort(t.addr, strconv.Itoa(port)))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		out = append(out, ln.(*net.TCPListener))
	}
	if len(out) == 0 {
		if firstErr == nil {
			firstErr = fmt.Errorf("no address to listen on")
		}
		return nil, fmt.Errorf("could not listen to any TCP ports: %w", firstErr)
	}
	return out, nil
}

// acceptLoop feeds accepted connections of all listeners into conns until
// the listeners are closed.
func acceptLoop(lns []*net.TCPListener, conns chan<- *net.TCPConn, stop <-chan struct{}) {
	for _, ln := range lns {
		go func(ln *net.TCPListener) {
			for {
				c, err := ln.AcceptTCP()
				if err != nil {
					select {
					case <-stop:
						return
					default:
					}
					if errors.Is(err, net.ErrClosed) {
						return
					}
					time.Sleep(50 * time.Millisecond)
					continue
				}
				select {
				case conns <- c:
				case <-stop:
					c.Close()
					return
				}
			}
		}(ln)
	}
}

// listenTarget is one address to bind: network "tcp4"/"tcp6"/"udp4"/"udp6".
type listenTarget struct{ network, addr string }

// listenTargets resolves listen-host (or udp-listen-host) as ocserv's
// getaddrinfo does: unset means the wildcard address of both families,
// otherwise every address the name resolves to. proto is "tcp" or "udp".
func listenTargets(host, proto string) ([]listenTarget, error) {
	if host == "" {
		return []listenTarget{{proto + "4", "0.0.0.0"}, {proto + "6", "::"}}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("getaddrinfo error for %s: %w", host, err)
	}
	var targets []listenTarget
	for _, ip := range ips {
		if ip.IP.To4() != nil {
			targets = append(targets, listenTarget{proto + "4", ip.IP.String()})
		} else {
			targets = append(targets, listenTarget{proto + "6", ip.String()})
		}
	}
	return targets, nil
}
