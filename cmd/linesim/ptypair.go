package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// ptyPair is a pair of connected pseudo-terminals made by socat, for the
// scale simulators. The station opens Station and the simulator opens
// Simulator. sim.Pty cannot serve here: it names its link "reader" and
// only writes, while a Modbus RTU slave must also read.
type ptyPair struct {
	Station   string // link the station opens: DIR/scale
	Simulator string // link the simulator opens: DIR/scale.sim

	cmd  *exec.Cmd
	done chan struct{}
}

// startPtyPair starts socat with the links DIR/name and DIR/name.sim. dir
// must exist. It fails when socat is missing or does not create the links
// within 5 s.
func startPtyPair(dir, name string) (*ptyPair, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("pty directory %s does not exist: create it first", dir)
	}
	p := &ptyPair{
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
func (p *ptyPair) Exited() <-chan struct{} { return p.done }

// Pid returns socat's process id.
func (p *ptyPair) Pid() int { return p.cmd.Process.Pid }

// Close stops socat by its process id, with SIGTERM so that it removes
// its links, and SIGKILL after 2 s. A write blocked on the simulator's end
// then fails.
func (p *ptyPair) Close() {
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
