// Package loadgen drives a running linli server with a realistic mix of
// requests and reports what it measured: throughput, latency percentiles,
// errors by kind and the server's memory. It is a measuring tool for this
// machine, so it talks only to loopback addresses: a URL whose host is or
// resolves to anything else is refused, and every connection it opens is
// checked again at dial time (a name that resolves to loopback once and
// elsewhere later still cannot be reached).
package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// ErrNotLoopback is returned for a target outside 127.0.0.0/8 and ::1.
var ErrNotLoopback = fmt.Errorf("loadgen: the target must be a loopback address (127.0.0.0/8 or ::1)")

// CheckTarget parses a base URL (http or https) and refuses it unless its
// host is a loopback address or a name that resolves only to loopback
// addresses.
func CheckTarget(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("loadgen: %q is not an http(s) URL", raw)
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if !a.Unmap().IsLoopback() {
			return nil, ErrNotLoopback
		}
		return u, nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, fmt.Errorf("loadgen: cannot resolve %q", host)
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return nil, ErrNotLoopback
		}
	}
	return u, nil
}

// loopbackOnly is a net.Dialer Control that refuses any connection whose
// remote address is not loopback.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().Unmap().IsLoopback() {
		return ErrNotLoopback
	}
	return nil
}
