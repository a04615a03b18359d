package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
)

// tcpServer accepts connections on a loopback listener and serves each on
// its own goroutine, logging every connection. It lets a subcommand log
// the station's connections, which sim.Printer.Listen and sim.StartTCP do
// not report.
type tcpServer struct {
	listener net.Listener
	log      *slog.Logger
	serve    func(conn net.Conn) error // returns when the connection ends

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// listenLoopback listens on address, which loopbackAddress has checked.
func listenLoopback(address string, log *slog.Logger, serve func(net.Conn) error) (*tcpServer, error) {
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return nil, err
	}
	log = log.With(keyAddr, listener.Addr().String())
	return &tcpServer{listener: listener, log: log, serve: serve, conns: map[net.Conn]struct{}{}}, nil
}

// Addr returns the address the server listens on, with the port chosen
// for port 0.
func (t *tcpServer) Addr() string { return t.listener.Addr().String() }

// Run accepts connections until ctx is done, then closes the listener and
// every connection and waits for their goroutines. It returns the error of
// an accept that failed before ctx was done.
func (t *tcpServer) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		t.listener.Close()
		t.mu.Lock()
		for conn := range t.conns {
			conn.Close()
		}
		t.mu.Unlock()
	})
	defer stop()

	var acceptErr error
	for {
		conn, err := t.listener.Accept()
		if err != nil {
			if ctx.Err() == nil {
				acceptErr = fmt.Errorf("accept on %s: %w", t.Addr(), err)
			}
			break
		}
		t.mu.Lock()
		if ctx.Err() != nil {
			t.mu.Unlock()
			conn.Close()
			break
		}
		t.conns[conn] = struct{}{}
		t.mu.Unlock()

		t.wg.Add(1)
		go t.handle(ctx, conn)
	}
	t.wg.Wait()
	return acceptErr
}

func (t *tcpServer) handle(ctx context.Context, conn net.Conn) {
	defer t.wg.Done()
	log := t.log.With(keyClient, conn.RemoteAddr().String())
	log.Info("client connected")

	err := t.serve(conn)
	conn.Close()
	t.mu.Lock()
	delete(t.conns, conn)
	t.mu.Unlock()

	if err != nil && ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
		log.Warn("client disconnected", keyError, err)
		return
	}
	log.Info("client disconnected")
}

// relayTo returns a serve function that passes the bytes of a connection
// to and from target, a server on this host.
func relayTo(target string) func(net.Conn) error {
	return func(client net.Conn) error {
		upstream, err := net.Dial("tcp", target)
		if err != nil {
			return err
		}
		defer upstream.Close()

		copied := make(chan error, 1)
		go func() {
			_, err := io.Copy(client, upstream)
			// The server closed the connection: end the client's side too.
			client.Close()
			copied <- err
		}()
		_, err = io.Copy(upstream, client)
		upstream.Close()
		if upstreamErr := <-copied; err == nil {
			err = upstreamErr
		}
		return err
	}
}
