package mainproc

import (
	"os/exec"
	"runtime"
)

// spawner starts child processes from one goroutine locked to its own OS
// thread for the life of the process. SysProcAttr.Pdeathsig is delivered
// when the thread that forked the child exits, not the process; a thread
// that never exits makes it mean "main died", as in ocserv.
type spawner struct {
	reqs chan spawnReq
}

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

func newSpawner() *spawner {
	sp := &spawner{reqs: make(chan spawnReq)}
	go func() {
		runtime.LockOSThread() // never unlocked: the thread lives as long as main
		for r := range sp.reqs {
			r.done <- r.cmd.Start()
		}
	}()
	return sp
}

// start runs cmd.Start on the spawning thread.
func (sp *spawner) start(cmd *exec.Cmd) error {
	done := make(chan error, 1)
	sp.reqs <- spawnReq{cmd, done}
	return <-done
}
