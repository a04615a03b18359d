package sim

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// PtyPair is a pair of connected pseudo-terminals made by socat, for
// simulators that read as well as write, such as a Modbus RTU slave. The
// station's driver opens Station and the simulator opens Simulator.
type PtyPair struct {
	Station   string // link the station's driver opens: dir/name
	Simulator string // link the simulator opens: dir/name.sim

	cmd  *exec.Cmd
	done chan struct{}
}

// StartPtyPair starts socat with the links dir/name and dir/name.sim. The
// directory must exist. It fails when socat is missing or does not create
// the links within 5 s.
func StartPtyPair(dir, name string) (*PtyPair, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("pty directory %s does not exist: create it first", dir)
	}
	p := &PtyPair{
		Station:   filepath.Join(dir, name),
		Simulator: filepath.Join(dir, name+".sim"),
		done:      make(chan struct{}),
	}
	p.cmd = exec.Command("socat", "-d", "-d",
		"pty,raw,echo=0,link="+p.Station, "pty,raw,echo=0,link="+p.Simulator)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start socat: %w", err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()

	deadline := time.Now().Add(5 * time.Second)
	for _, link := range []string{p.Station, p.Simulator} {
		for {
			if _, err := os.Stat(link); err == nil {
				break
			}
			if time.Now().After(deadline) {
				p.Close()
				return nil, fmt.Errorf("socat did not create %s within 5 s", link)
			}
			select {
			case <-p.done:
				return nil, errors.New("socat exited before creating its ptys")
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return p, nil
}

// Exited is closed when socat has exited.
func (p *PtyPair) Exited() <-chan struct{} { return p.done }

// Pid returns socat's process id.
func (p *PtyPair) Pid() int { return p.cmd.Process.Pid }

// Close stops socat by its process id, with SIGTERM so that it removes
// its links, and SIGKILL after 2 s. A write blocked on the simulator's end
// then fails.
func (p *PtyPair) Close() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}
