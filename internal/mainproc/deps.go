package mainproc

import (
	"context"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/scriptenv"
	"github.com/ocserv-go/ocserv/internal/tundev"
)

// SecMod is main's side of the sec-mod sync channel (strict request/reply).
// secmodClient is the real one; tests substitute their own.
type SecMod interface {
	SessionOpen(req *ipcpb.SecmSessionOpen) (*ipcpb.SecmSessionReply, error)
	SessionClose(req *ipcpb.SecmSessionClose) (*ipcpb.CliStats, error)
	Reload() error
}

// Tun creates and configures tun devices (internal/tundev in production).
type Tun interface {
	Create(prefix string, owner tundev.Owner) (*os.File, string, error)
	Configure(name string, c tundev.Config) (tundev.Result, error)
	SetMTU(name string, mtu int) error
	RemoveAddrs(name string, c tundev.Config) error
	// Index is a device's interface index; Delete removes the device with
	// that index if it still exists under that name (tunremove.go).
	Index(name string) (int, error)
	Delete(name string, index int) error
}

// BanChecker is the hook into the ban table (main-ban.c, internal/ban).
// Check runs right after accept: it adds the connection points and tells
// whether the address is refused; AddPoints records points reported by a
// worker or sec-mod and tells whether the address is banned now.
type BanChecker interface {
	Check(ip netip.Addr, connPoints int) bool
	AddPoints(ip netip.Addr, points int) bool
}

// ScriptRunner runs one hook script and reports how it ended.
type ScriptRunner func(ctx context.Context, path string, env []string) scriptenv.Result

// realTun is internal/tundev.
type realTun struct{}

func (realTun) Create(prefix string, owner tundev.Owner) (*os.File, string, error) {
	return tundev.Create(prefix, owner)
}
func (realTun) Configure(name string, c tundev.Config) (tundev.Result, error) {
	return tundev.Configure(name, c)
}
func (realTun) SetMTU(name string, mtu int) error { return tundev.SetMTU(name, mtu) }
func (realTun) RemoveAddrs(name string, c tundev.Config) error {
	return tundev.RemoveAddrs(name, c)
}

// noBans never bans anyone (tests; Run uses internal/ban).
type noBans struct{}

func (noBans) Check(netip.Addr, int) bool     { return false }
func (noBans) AddPoints(netip.Addr, int) bool { return false }

// scriptRunner returns the production ScriptRunner: scriptenv.Run with
// stdout and stderr going to w (main's stderr, as ocserv).
func scriptRunner(w io.Writer) ScriptRunner {
	return func(ctx context.Context, path string, env []string) scriptenv.Result {
		res, _ := scriptenv.Run(ctx, path, env, w, 0)
		return res
	}
}

// scriptTimeout bounds how long shutdown waits for disconnect scripts.
const scriptTimeout = 10 * time.Second
