package prism

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJobServerLoopbackOnly: the job server answers on 127.0.0.1 and not
// on the machine's other addresses (upstream listens on all of them).
func TestJobServerLoopbackOnly(t *testing.T) {
	addr, stop, err := StartJobServer(0)
	require.NoError(t, err)
	defer stop()
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	require.NoError(t, err, "the job server does not answer on loopback")
	c.Close()

	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	tried := 0
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		tried++
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ipn.IP.String(), port), 2*time.Second)
		if err == nil {
			c.Close()
		}
		assert.Error(t, err, "the job server answers on %s", ipn.IP)
	}
	t.Logf("checked %d non-loopback address(es)", tried)
}
